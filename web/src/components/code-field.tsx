/**
 * The entry of an emailed six-digit code, the same wherever a code is asked for (sign-in, address
 * change, re-authentication): numeric keyboard, one-time-code autofill from the mail, room for a
 * pasted "123 456", an optional hint beside it.
 */
import type { ComponentChildren, RefObject } from 'preact';

export function CodeField({
  id,
  label,
  value,
  onValue,
  inputRef,
  name,
  required = false,
  invalid = false,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  inputRef?: RefObject<HTMLInputElement>;
  name?: string;
  required?: boolean;
  invalid?: boolean;
  hint?: ComponentChildren;
}) {
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        ref={inputRef}
        id={id}
        name={name}
        class="code-input"
        type="text"
        inputMode="numeric"
        autocomplete="one-time-code"
        maxLength={9}
        spellcheck={false}
        required={required}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={hintId}
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
      {hintId && (
        <p class="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
