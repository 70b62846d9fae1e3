// The restore wizard's Back and Next buttons (Back only where there is a step to go back to).
export function StepActions({
  onBack,
  onNext,
  canGo,
}: {
  onBack?: () => void;
  onNext: () => void;
  canGo: boolean;
}) {
  return (
    <div className="actions">
      {onBack && (
        <button type="button" onClick={onBack}>
          Back
        </button>
      )}
      <span className="spacer" />
      <button type="button" className="primary" disabled={!canGo} onClick={onNext}>
        Next
      </button>
    </div>
  );
}
