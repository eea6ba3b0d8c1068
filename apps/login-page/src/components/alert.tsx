/**
 * An error, announced at once (`role="alert"`, okta-signin-widget #743). Rendered empty-but-present
 * would announce nothing, so it only exists while there is a message.
 */
export function Alert({ message, id }: { message: string | null | undefined; id?: string }) {
  if (!message) return null;
  return (
    <p class="alert" role="alert" id={id}>
      {message}
    </p>
  );
}

/** A success or progress note, read out politely. */
export function Notice({ message }: { message: string | null | undefined }) {
  return (
    <p class="notice" aria-live="polite">
      {message ?? ''}
    </p>
  );
}
