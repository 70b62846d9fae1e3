// An error next to the control that caused it, announced to screen readers; nothing when there is none.
export function FieldError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="field-error" role="alert">
      {message}
    </p>
  );
}
