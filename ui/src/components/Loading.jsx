export function Loading({ label = 'Loading…', inline = false }) {
  return (
    <div class={inline ? 'loading loading-inline' : 'loading'} role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

// Grey placeholder blocks shown while cards load.
export function Skeleton({ count = 1, class: cls = 'skeleton-card' }) {
  return Array.from({ length: count }, (_, i) => <div key={i} class={`skeleton ${cls}`} aria-hidden="true" />);
}
