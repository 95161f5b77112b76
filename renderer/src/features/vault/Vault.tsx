import { useState, type FormEvent } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import { validateInput, type FieldErrors, type Result } from '../../api/client';
import { Card, PageHeader } from '../../components/PageHeader';
import { Field } from '../../components/Field';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DataTable, type Column } from '../../components/table';
import type { OpOutput } from '../../api/contract';
import { formatBytes, formatTime } from '../../format';

type Item = OpOutput<'vault.list'>['items'][number];
type Act = (fn: () => Promise<Result<unknown>>, message: string) => void;

/**
 * The bundles an item is bound to, each with its unbind control, and a picker of the catalog's bundles
 * to bind one more (a text field with the bundle names as suggestions: type, or arrow down the list).
 * A name no imported bundle has is refused here, with the names that exist.
 */
function Bindings({ item, busy, act, catalog }: { item: Item; busy: boolean; act: Act; catalog: readonly string[] | null }) {
  const api = useApi();
  const [bundle, setBundle] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const listId = `vault-bind-${item.name}`;
  const errorId = `${listId}-error`;
  const offered = (catalog ?? []).filter((b) => !item.bundles.includes(b));
  return (
    <>
      <span className="chips">
        {item.bundles.map((b) => (
          <span key={b} className="chip">
            {b}
            <button
              type="button"
              className="chip-remove"
              aria-label={`Unbind ${item.name} from ${b}`}
              onClick={() => act(() => api.call('vault.unbind', { name: item.name, bundles: [b] }), `${item.name} unbound from ${b}.`)}
            >
              ×
            </button>
          </span>
        ))}
      </span>
      <form
        className="row-inputs"
        onSubmit={(e) => {
          e.preventDefault();
          const b = bundle.trim();
          if (!b) return setProblem('Choose a bundle from the list.');
          if (item.bundles.includes(b)) return setProblem(`${item.name} is already bound to ${b}.`);
          if (catalog && !catalog.includes(b))
            return setProblem(
              catalog.length === 0
                ? `No bundle is imported yet, so there is nothing named "${b}" to bind to. Import the bundle first.`
                : `No imported bundle is named "${b}". Choose one from the list: ${offered.join(', ') || 'it is bound to all of them'}.`,
            );
          setProblem(null);
          setBundle('');
          act(() => api.call('vault.bind', { name: item.name, bundles: [b] }), `${item.name} bound to ${b}.`);
        }}
      >
        <input
          aria-label={`Bundle to bind ${item.name} to`}
          className="input-small mono"
          placeholder="choose a bundle"
          list={listId}
          value={bundle}
          autoComplete="off"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? errorId : undefined}
          onChange={(e) => (setBundle(e.target.value), setProblem(null))}
        />
        <datalist id={listId}>
          {offered.map((b) => (
            <option key={b} value={b} />
          ))}
        </datalist>
        <button type="submit" className="btn btn-small" disabled={busy}>
          Bind
        </button>
      </form>
      {problem && (
        <p id={errorId} className="field-error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}

function vaultColumns(busy: boolean, act: Act, catalog: readonly string[] | null): readonly Column<Item>[] {
  return [
    { id: 'name', header: 'Name', rowHeader: true, className: 'mono', cell: (item) => item.name, sortKey: (item) => item.name },
    { id: 'size', header: 'Size', cell: (item) => formatBytes(item.size), sortKey: (item) => item.size },
    { id: 'bundles', header: 'Bundles allowed', cell: (item) => <Bindings item={item} busy={busy} act={act} catalog={catalog} /> },
    {
      id: 'changed',
      header: 'Changed',
      cell: (item) => (
        <>
          {formatTime(item.updatedAt)} <span className="muted">by {item.updatedBy}</span>
        </>
      ),
      sortKey: (item) => item.updatedAt,
    },
  ];
}

/**
 * The vault is write-only: a value goes in from a file the operator picks (read in the page and
 * sent base64), and no screen ever shows one — there is no operation that returns it.
 */
export function VaultScreen() {
  const api = useApi();
  const session = useSession();
  const list = useOp('vault.list', {});
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [replace, setReplace] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  // Remounts the file input after an add, so it no longer names the file just stored.
  const [fileKey, setFileKey] = useState(0);
  const { error, busy, run } = useAction();

  async function add(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    if (!file) return setErrors({ value: 'choose the file that holds the value' });
    if (file.size > 1024 * 1024) return setErrors({ value: 'a vault item holds at most 1 MiB' });
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const input = { name, value: btoa(binary), replace: replace || undefined };
    const problems = validateInput('vault.add', input);
    setErrors(problems ?? {});
    if (problems) return;
    await run(async () => {
      const done = await api.call('vault.add', input);
      if (!done.ok) return done.error;
      setName('');
      setFile(null);
      setFileKey((k) => k + 1);
      await list.reload();
      setNotice(
        `${done.value.name} ${done.value.replaced ? 'replaced' : 'added'} (${formatBytes(done.value.size)}). The value cannot be read back.`,
      );
    });
  }

  const act: Act = (fn, msg) =>
    void run(async () => {
      const done = await fn();
      if (!done.ok) return done.error;
      await list.reload();
      setNotice(msg);
    });
  // The catalog's bundle names (every version shares its name's bindings), for the binding picker.
  const bundles = useOp('bundles.list', {});
  const catalog = bundles.data ? [...new Set(bundles.data.bundles.map((b) => b.name))].sort() : null;
  const columns = vaultColumns(busy, act, catalog);

  return (
    <>
      <PageHeader title="Vault" description="Secrets tasks may use (kubeconfigs, tokens, keys). Values go in and never come out." />
      <ErrorNotice error={list.error ?? error} />
      {notice && <StatusNotice>{notice}</StatusNotice>}
      <div className="grid grid-main-side">
        <Card title="Vault items">
          <DataTable
            caption="Vault items"
            dense
            columns={columns}
            rows={list.data?.items ?? []}
            rowKey={(item) => item.name}
            loading={list.loading && !list.data}
            empty="The vault is empty."
            actions={(item) => (
              <>
                {session.can('settings.manage') && (
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={`Bind ${item.name} to the LLM purpose`}
                    title="Only an item bound to the LLM purpose may be chosen as the AI summary service's API key (Settings, AI summaries)."
                    disabled={busy}
                    onClick={() =>
                      act(
                        () => api.call('vault.purpose', { name: item.name, purpose: 'llm', bound: true }),
                        `${item.name} is bound to the LLM purpose.`,
                      )
                    }
                  >
                    LLM key
                  </button>
                )}
                <button
                  type="button"
                  className="btn btn-small btn-danger-ghost"
                  aria-label={`Remove ${item.name}`}
                  disabled={busy}
                  onClick={() => setRemoving(item.name)}
                >
                  Remove
                </button>
              </>
            )}
          />
        </Card>
        <Card title="Add a vault item">
          <form className="stack" onSubmit={(e) => void add(e)} noValidate>
            <Field
              label="Name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={errors.name}
              hint="As the task's secret usually is: lower-case letters, digits, '_', '.', '-'."
            />
            <div className="field">
              <label htmlFor="vault-file">File holding the value</label>
              <input
                key={fileKey}
                id="vault-file"
                type="file"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                aria-invalid={errors.value ? true : undefined}
              />
              {errors.value && <p className="field-error">{errors.value}</p>}
            </div>
            <label className="check">
              <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} />
              <span>Replace an item of the same name</span>
            </label>
            <div className="card-actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                Add to vault
              </button>
            </div>
          </form>
        </Card>
      </div>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing} from the vault?`}
          confirmLabel="Remove from the vault"
          onConfirm={async () => {
            const done = await api.call('vault.remove', { name: removing });
            if (!done.ok) return done.error;
            await list.reload();
            setNotice(`${removing} removed.`);
          }}
          onClose={() => setRemoving(null)}
        >
          <p>
            The value of <strong className="mono">{removing}</strong> is deleted and its bindings go with it: tasks that use it cannot run
            until an item is added and bound again.
          </p>
          <p className="muted">Past runs keep the name they used; the value cannot be recovered from this workstation.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
