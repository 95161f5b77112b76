import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
if (window.api) {
  root.render(
    <StrictMode>
      <App bridge={window.api} />
    </StrictMode>,
  );
} else {
  root.render(
    <div role="alert" className="notice notice-error fatal">
      This page is the Airgap Runner interface and works only inside the Airgap Runner app.
    </div>,
  );
}
