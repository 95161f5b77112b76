import { useApi } from '../api/context';
import { Field } from './Field';

/** Where the key is on a token: its PKCS#11 library (picked in a file dialog, since the core loads it), token label, key label. */
export function TokenFields(props: {
  module: string | null;
  setModule: (path: string) => void;
  token: string;
  setToken: (v: string) => void;
  keyLabel: string;
  setKeyLabel: (v: string) => void;
  generate: boolean;
  setGenerate: (v: boolean) => void;
}) {
  const api = useApi();
  async function chooseModule() {
    const path = await api.chooseFile({
      title: 'Choose the PKCS#11 library of the token',
      filters: [{ name: 'PKCS#11 library', extensions: ['so', 'dylib', 'dll'] }],
    });
    if (path) props.setModule(path);
  }
  return (
    <div className="stack">
      <div className="row-inputs">
        <button type="button" className="btn" onClick={() => void chooseModule()}>
          Choose PKCS#11 library…
        </button>
        <span className="mono break" aria-label="Chosen PKCS#11 library">
          {props.module ?? 'Nothing chosen'}
        </span>
      </div>
      <p className="hint">The token vendor's library, for example libsofthsm2.so or opensc-pkcs11.so.</p>
      <Field label="Token label" value={props.token} maxLength={32} onChange={(e) => props.setToken(e.target.value)} />
      <Field label="Key label" value={props.keyLabel} maxLength={64} onChange={(e) => props.setKeyLabel(e.target.value)} />
      <label className="check">
        <input type="checkbox" checked={props.generate} onChange={(e) => props.setGenerate(e.target.checked)} />
        <span>
          <span>Make a new key on the token</span>
          <span className="check-hint">An EC P-256 key that cannot be exported. Untick to use a key already there.</span>
        </span>
      </label>
    </div>
  );
}
