import type { ReactNode } from 'react';
import { Icon } from './Icon';
import { ThemeSelect } from './ThemeSelect';
import { useTheme } from '../theme-context';

/** The frame of the screens shown before sign-in: setup, recovery key, sign-in, lock, password change. */
export function AuthLayout({
  title,
  intro,
  children,
  wide = false,
}: {
  title: string;
  intro?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  const theme = useTheme();
  return (
    <div className="auth">
      <div className="auth-theme">
        <ThemeSelect value={theme.value} onChange={theme.set} />
      </div>
      <main className={`auth-panel ${wide ? 'auth-panel-wide' : ''}`}>
        <div className="brand brand-auth">
          <span className="brand-mark">
            <Icon name="shield" size={22} />
          </span>
          <span className="brand-name">Airgap Runner</span>
        </div>
        <h1>{title}</h1>
        {intro && <div className="auth-intro">{intro}</div>}
        {children}
      </main>
    </div>
  );
}
