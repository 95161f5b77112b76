import { createContext, useContext } from 'react';
import type { ThemePreference } from './theme';

export const ThemeContext = createContext<{ value: ThemePreference; set: (theme: ThemePreference) => void }>({
  value: 'system',
  set: () => undefined,
});

export function useTheme() {
  return useContext(ThemeContext);
}
