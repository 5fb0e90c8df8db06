// A select over a fixed list of machine values (statuses, types, stages),
// each shown humanized. `any`, when given, adds a first empty option with
// that label (a filter's "any"). onChange receives the chosen value.
import { humanize } from '../format.js';

export function ChoiceSelect({ values, value, onChange, any, ...rest }) {
  return (
    <select value={value} onChange={(e) => onChange(e.currentTarget.value)} {...rest}>
      {any !== undefined ? <option value="">{any}</option> : null}
      {values.map((v) => (
        <option key={v} value={v}>
          {humanize(v)}
        </option>
      ))}
    </select>
  );
}
