import type { InputHTMLAttributes } from 'preact';

/** The input attributes the page's fields use (preact's own type is a union Omit cannot keep). */
interface InputProps {
  type?: 'text' | 'password' | 'tel' | 'email';
  autoComplete?: string;
  inputMode?: 'text' | 'numeric' | 'tel' | 'email';
  autoCapitalize?: 'off' | 'characters';
  spellcheck?: boolean;
  required?: boolean;
  class?: string;
}

export interface FieldProps extends InputProps {
  id: string;
  label: string;
  value: string;
  onValue(value: string): void;
  hint?: string | undefined;
  optional?: string | undefined;
  invalid?: boolean | undefined;
  /** The id of an error message this field is described by. */
  errorId?: string | undefined;
}

/** A labelled input with an optional hint; `aria-describedby` ties hint and error to it. */
export function Field({
  id,
  label,
  value,
  onValue,
  hint,
  optional,
  invalid,
  errorId,
  type,
  ...input
}: FieldProps) {
  const described = [hint ? `${id}-hint` : '', invalid && errorId ? errorId : ''].filter(Boolean).join(' ');
  // Preact 11 types <input> as a union keyed by `type`; ours is one of its text-like members.
  const attributes = {
    ...input,
    id,
    name: id,
    type: type ?? 'text',
    value,
    onInput: (event: Event) => onValue((event.currentTarget as HTMLInputElement).value),
    'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': described || undefined,
  } as InputHTMLAttributes<HTMLInputElement>;
  return (
    <div class="field">
      <label for={id}>
        {label}
        {optional ? <span class="optional"> {optional}</span> : null}
      </label>
      <input {...attributes} />
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}
