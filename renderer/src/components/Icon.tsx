/** A few line icons drawn inline (no icon font, no remote asset). Decorative: hidden from readers. */
const PATHS = {
  dashboard: 'M3 3h7v9H3zM14 3h7v5h-7zM14 12h7v9h-7zM3 16h7v5H3z',
  users: 'M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75',
  settings: 'M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6',
  audit: 'M9 11l3 3 8-8M20 12v7a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h9',
  backup: 'M21 8v13H3V8M1 3h22v5H1zM10 12h4',
  account: 'M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z',
  lock: 'M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4',
  shield: 'M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10z',
  catalog: 'M4 4h16v4H4zM4 10h16v4H4zM4 16h16v4H4z',
  import: 'M12 3v12M7 10l5 5 5-5M4 21h16',
  runs: 'M6 4l14 8-14 8z',
  vault: 'M3 5h18v14H3zM12 12m-3 0a3 3 0 1 0 6 0 3 3 0 1 0-6 0M12 9V7',
  export: 'M12 15V3M7 8l5-5 5 5M4 21h16',
  verify: 'M9 12l2 2 4-4M12 2l8 4v6c0 5-3.5 8.5-8 10-4.5-1.5-8-5-8-10V6z',
  key: 'M15 7a4 4 0 1 1-3.9 4.9L3 20v-3h3v-3h3l2.1-2.1A4 4 0 0 1 15 7z',
  clock: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7v5l3 2',
  issues: 'M12 3l10 18H2zM12 10v5M12 18v.01',
  health: 'M3 12h4l3-8 4 16 3-8h4',
  nodes: 'M3 4h18v6H3zM3 14h18v6H3zM7 7h.01M7 17h.01',
  help: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17v.01',
  collapse: 'M15 18l-6-6 6-6M4 4v16',
  expand: 'M9 18l6-6-6-6M20 4v16',
  menu: 'M3 6h18M3 12h18M3 18h18',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg
      className="icon"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
