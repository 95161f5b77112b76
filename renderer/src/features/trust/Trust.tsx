import { useState, type FormEvent } from 'react';
import { useApi, useSession } from '../../api/context';
import { useOp } from '../../api/use-op';
import { useAction } from '../../api/use-action';
import type { Result } from '../../api/client';
import type { OpOutput } from '../../api/contract';
import { Card, PageHeader } from '../../components/PageHeader';
import { ErrorNotice, StatusNotice } from '../../components/Notice';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { formatTime, shortHash, plural } from '../../format';
import { CopyButton } from '../../components/CopyButton';

/** `onDone` reloads what the notice describes; the notice appears only once that has reloaded. */
function useMutation(onDone: () => Promise<void>) {
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const act = (fn: () => Promise<Result<unknown>>, msg: (value: never) => string) =>
    void action.run(async () => {
      setNotice(null);
      const done = await fn();
      if (!done.ok) return done.error;
      await onDone();
      setNotice(msg(done.value as never));
    });
  return { ...action, notice, act };
}

function TrustRoots() {
  const api = useApi();
  const session = useSession();
  const keys = useOp('trust.list', {});
  const [pem, setPem] = useState('');
  const [comment, setComment] = useState('');
  const m = useMutation(keys.reload);
  const can = session.can('trust.manage');
  type Key = NonNullable<typeof keys.data>['keys'][number];
  const [removing, setRemoving] = useState<Key | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const add = (e: FormEvent) => {
    e.preventDefault();
    m.act(
      () => api.call('trust.addKey', { pem, comment: comment || undefined }),
      (v: { outcome: string; key: { fingerprint: string } }) => `Key ${shortHash(v.key.fingerprint, 16)}: ${v.outcome}.`,
    );
  };
  return (
    <Card title="Trust roots">
      <p className="muted">Public keys whose signatures make a bundle importable and runnable.</p>
      <ErrorNotice error={keys.error ?? m.error} />
      {(m.notice ?? removed) && <StatusNotice>{m.notice ?? removed}</StatusNotice>}
      {(keys.data?.keys.length ?? 0) === 0 ? (
        <p className="empty">No trust roots: no signed bundle can be imported.</p>
      ) : (
        <ul className="plain-list" aria-label="Trusted keys">
          {keys.data?.keys.map((k) => (
            <li key={k.fingerprint} className="row-inputs">
              <span>
                <span className="mono break">{k.fingerprint}</span>{' '}
                <CopyButton value={k.fingerprint} what={`fingerprint of key ${k.fingerprint.slice(0, 16)}`} />
                <span className="muted">
                  {' '}
                  {k.algorithm} {k.comment ? `· ${k.comment}` : ''} · added by {k.addedBy}, {formatTime(k.addedAt)}
                </span>
              </span>
              {can && (
                <button
                  type="button"
                  className="btn btn-small btn-danger-ghost"
                  aria-label={`Remove key ${k.fingerprint}`}
                  disabled={m.busy}
                  onClick={() => setRemoving(k)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {can && (
        <form className="stack" onSubmit={add} noValidate>
          <div className="field">
            <label htmlFor="trust-pem">Public key (PEM, cosign.pub)</label>
            <textarea
              id="trust-pem"
              className="mono"
              rows={4}
              value={pem}
              onChange={(e) => setPem(e.target.value)}
              placeholder="-----BEGIN PUBLIC KEY-----"
            />
          </div>
          <div className="field">
            <label htmlFor="trust-comment">Comment</label>
            <input id="trust-comment" value={comment} onChange={(e) => setComment(e.target.value)} />
          </div>
          <div className="card-actions">
            <button type="submit" className="btn btn-primary" disabled={m.busy || !pem.trim()}>
              Add trust root
            </button>
          </div>
        </form>
      )}
      {removing && (
        <ConfirmDialog
          title="Remove this trust root?"
          confirmLabel="Remove trust root"
          onConfirm={async () => {
            const done = await api.call('trust.remove', { fingerprint: removing.fingerprint });
            if (!done.ok) return done.error;
            await keys.reload();
            setRemoved(`Key removed; ${plural(done.value.affected.length, 'bundle version')} disabled.`);
          }}
          onClose={() => setRemoving(null)}
        >
          <p>Bundles signed only by this key are disabled at once: their tasks cannot run, and new bundles it signs cannot be imported.</p>
          <p className="mono break">{removing.fingerprint}</p>
          {removing.comment && <p className="muted">{removing.comment}</p>}
        </ConfirmDialog>
      )}
    </Card>
  );
}

type Change = 'allow' | 'deny' | 'clear';
type Preview = OpOutput<'policy.preview'> & { change: Change; tags: string[] };

/** The tasks a previewed change flips, grouped by bundle version. */
function Flips({ label, flips }: { label: string; flips: Preview['usable'] }) {
  const byBundle = new Map<string, Preview['usable']>();
  for (const f of flips) byBundle.set(`${f.bundle} ${f.version}`, [...(byBundle.get(`${f.bundle} ${f.version}`) ?? []), f]);
  return (
    <section aria-label={label}>
      <h3 className="card-subtitle">
        {label}: {flips.length === 0 ? 'none' : plural(flips.length, 'task')}
      </h3>
      {flips.length > 0 && (
        <ul className="plain-list">
          {[...byBundle].map(([bundle, tasks]) => (
            <li key={bundle}>
              <strong>{bundle}</strong>: {tasks.map((t) => t.title).join(', ')}
              <span className="muted"> — {tasks[0]!.reason}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Policy() {
  const api = useApi();
  const session = useSession();
  const policy = useOp('policy.show', {});
  const [pattern, setPattern] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const m = useMutation(policy.reload);
  const can = session.can('trust.manage');
  const p = policy.data?.policy;
  // Nothing is saved until the admin has seen what the change does to the imported tasks.
  const ask = (change: Change) => {
    const tags = change === 'clear' ? [] : pattern.split(/[\s,]+/).filter(Boolean);
    void m.run(async () => {
      const out = await api.call('policy.preview', change === 'clear' ? { change } : { change, tags });
      if (!out.ok) return out.error;
      setPreview({ ...out.value, change, tags });
    });
  };
  const save = async (change: Change, tags: string[]) => {
    const done = await (change === 'clear'
      ? api.call('policy.clear', {})
      : api.call(change === 'allow' ? 'policy.allow' : 'policy.deny', { tags }));
    if (!done.ok) return done.error;
    m.act(
      async () => done,
      () => (change === 'clear' ? 'Back to the default policy.' : `Policy updated: ${change} ${tags.join(', ')}.`),
    );
  };
  return (
    <Card title="Tag policy">
      <p className="muted">
        Tasks whose tags match a deny pattern are disabled unless an allow pattern also matches. Takes effect at once.
      </p>
      <ErrorNotice error={policy.error ?? m.error} />
      {m.notice && <StatusNotice>{m.notice}</StatusNotice>}
      {p && (
        <dl className="facts">
          <dt>Allow</dt>
          <dd>
            <span className="chips">
              {p.allow.length ? (
                p.allow.map((t) => (
                  <span key={t} className="chip chip-ok">
                    {t}
                  </span>
                ))
              ) : (
                <span className="muted">none</span>
              )}
            </span>
          </dd>
          <dt>Deny</dt>
          <dd>
            <span className="chips">
              {p.deny.length ? (
                p.deny.map((t) => (
                  <span key={t} className="chip chip-deny">
                    {t}
                  </span>
                ))
              ) : (
                <span className="muted">none</span>
              )}
            </span>
          </dd>
          <dt>Default</dt>
          <dd className="muted">deny {policy.data?.default.deny.join(', ') || 'nothing'}</dd>
        </dl>
      )}
      {can && (
        <form className="stack" onSubmit={(e) => e.preventDefault()}>
          <div className="field">
            <label htmlFor="policy-pattern">Tag patterns</label>
            <input
              id="policy-pattern"
              className="mono"
              value={pattern}
              onChange={(e) => setPattern(e.target.value)}
              placeholder="access:read-write data:*"
            />
          </div>
          <div className="card-actions">
            <button type="button" className="btn" disabled={m.busy || !pattern.trim()} onClick={() => ask('allow')}>
              Allow…
            </button>
            <button type="button" className="btn btn-danger-ghost" disabled={m.busy || !pattern.trim()} onClick={() => ask('deny')}>
              Deny…
            </button>
            <button type="button" className="btn btn-ghost" disabled={m.busy} onClick={() => ask('clear')}>
              Reset to default…
            </button>
          </div>
        </form>
      )}
      {preview && (
        <ConfirmDialog
          title={
            preview.change === 'clear'
              ? 'Reset the tag policy to the default?'
              : `${preview.change === 'allow' ? 'Allow' : 'Deny'} ${preview.tags.join(', ')}?`
          }
          confirmLabel="Save the policy"
          cancelLabel="Keep the policy as it is"
          onConfirm={() => save(preview.change, preview.tags)}
          onClose={() => setPreview(null)}
        >
          <p>
            {preview.usable.length + preview.unusable.length === 0
              ? 'No task of the imported bundles changes: the change matters only for tasks imported later.'
              : 'Saving changes what may run at once:'}
          </p>
          <Flips label="Become usable" flips={preview.usable} />
          <Flips label="Become unusable" flips={preview.unusable} />
          <p className="muted">
            The policy would allow {preview.policy.allow.join(', ') || 'nothing more'} and deny{' '}
            {preview.policy.deny.join(', ') || 'nothing'}.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}

function Networks() {
  const api = useApi();
  const session = useSession();
  const nets = useOp('networks.list', {});
  const [name, setName] = useState('');
  const [mode, setMode] = useState<'existing' | 'create' | 'host'>('create');
  const m = useMutation(nets.reload);
  return (
    <Card title="Networks">
      <p className="muted">Networks a task may ask for. Without one, a task runs with no network at all.</p>
      <ErrorNotice error={nets.error ?? m.error} />
      {m.notice && <StatusNotice>{m.notice}</StatusNotice>}
      {(nets.data?.networks.length ?? 0) === 0 ? (
        <p className="empty">No networks defined.</p>
      ) : (
        <ul className="plain-list" aria-label="Networks">
          {nets.data?.networks.map((n) => (
            <li key={n.name}>
              <span className="mono">{n.name}</span>{' '}
              <span className={`badge badge-${n.kind === 'host' ? 'warning' : 'neutral'}`}>{n.kind}</span>{' '}
              <span className="muted">
                {n.engineId ? shortHash(n.engineId, 12) : ''} added by {n.createdBy}, {formatTime(n.createdAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {session.can('settings.manage') && (
        <form
          className="stack"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            m.act(
              () => api.call('networks.add', { name, create: mode === 'create' || undefined, host: mode === 'host' || undefined }),
              () => `Network ${name} defined.`,
            );
          }}
        >
          <div className="field">
            <label htmlFor="net-name">Network name</label>
            <input id="net-name" className="mono" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="net-mode">Kind</label>
            <select id="net-mode" value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
              <option value="create">Create a new internal network</option>
              <option value="existing">Use an engine network that exists</option>
              <option value="host">Host network (an override; Settings must allow the host network)</option>
            </select>
          </div>
          <div className="card-actions">
            <button type="submit" className="btn btn-primary" disabled={m.busy || !name.trim()}>
              Add network
            </button>
          </div>
        </form>
      )}
    </Card>
  );
}

export function TrustScreen() {
  return (
    <>
      <PageHeader
        title="Trust and policy"
        description="Who may sign bundles, which task tags may run, and which networks tasks may join."
      />
      <div className="grid grid-2">
        <TrustRoots />
        <Policy />
        <Networks />
      </div>
    </>
  );
}
