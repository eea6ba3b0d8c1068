import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface Tab<K extends string> {
  key: K;
  label: string;
}

/**
 * WAI-ARIA tabs: one tab stop (roving tabindex), arrows/Home/End move and select, the panel below
 * is the only one rendered (so its field names and buttons are unique on the page).
 */
export function Tabs<K extends string>(props: {
  id: string;
  label: string;
  tabs: Tab<K>[];
  selected: NoInfer<K>;
  onSelect(key: NoInfer<K>): void;
  children: ComponentChildren;
}) {
  const { id, label, tabs, selected, onSelect, children } = props;
  const list = useRef<HTMLDivElement>(null);
  const move = (event: KeyboardEvent, index: number) => {
    const last = tabs.length - 1;
    const next =
      event.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : event.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : -1;
    const tab = tabs[next];
    if (next === -1 || !tab) return;
    event.preventDefault();
    onSelect(tab.key);
    list.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]')[next]?.focus();
  };
  if (tabs.length < 2) return <div>{children}</div>;
  return (
    <div class="tabs">
      <div role="tablist" aria-label={label} ref={list} class="tablist">
        {tabs.map((tab, index) => (
          <button
            type="button"
            role="tab"
            key={tab.key}
            id={`${id}-tab-${tab.key}`}
            aria-selected={tab.key === selected ? 'true' : 'false'}
            aria-controls={`${id}-panel`}
            tabIndex={tab.key === selected ? 0 : -1}
            onClick={() => onSelect(tab.key)}
            onKeyDown={(event) => move(event, index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {/* Not aria-labelledby its tab: the panel would then be labelled "Password" too, and a search by
          label (getByLabel('Password')) would find the panel beside the field. */}
      <div role="tabpanel" id={`${id}-panel`} class="tabpanel">
        {children}
      </div>
    </div>
  );
}
