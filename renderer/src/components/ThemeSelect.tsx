import { useId } from 'react';
import { THEMES, type ThemePreference } from '../theme';

export function ThemeSelect({ value, onChange }: { value: ThemePreference; onChange: (theme: ThemePreference) => void }) {
  const id = useId();
  return (
    <div className="theme-select">
      <label htmlFor={id}>Theme</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as ThemePreference)}>
        {THEMES.map((t) => (
          <option key={t.value} value={t.value}>
            {t.label}
          </option>
        ))}
      </select>
    </div>
  );
}
