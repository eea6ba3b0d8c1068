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
