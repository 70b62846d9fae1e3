// An error next to the control that caused it, announced to screen readers; nothing when there is none.
// Give it an `id` to name it in the control's aria-describedby.
export function FieldError({ message, id }: { message: string | null | undefined; id?: string }) {
  if (!message) return null;
  return (
    <p className="field-error" role="alert" id={id}>
      {message}
    </p>
  );
}
