import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * The page's `<h1>`, also its `<title>`. Focused when it changes (a new step), so a screen reader
 * announces where the user now is and Tab continues from the top of the new content — but not on
 * the first page of a load, where focus stays at the start of the document.
 */
let firstHeading = true;

export function PageHeading({ children, title }: { children: ComponentChildren; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = title;
    if (firstHeading) {
      firstHeading = false;
      return;
    }
    heading.current?.focus();
  }, [title]);
  return (
    <h1 tabIndex={-1} ref={heading}>
      {children}
    </h1>
  );
}
