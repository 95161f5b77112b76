import { useEffect, useRef, type ReactNode } from 'react';
import { useAction, type Problem } from '../api/use-action';
import { Modal } from './Modal';
import { ErrorNotice } from './Notice';

/**
 * Asks before a destructive action, naming what will happen. A modal <dialog> (role dialog, focus
 * kept inside, Escape cancels); the safe choice has focus first, so Enter alone never destroys
 * anything. `onConfirm` returns its problem (shown in the dialog, which stays open) or nothing,
 * and then the dialog closes.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  cancelLabel = 'Keep it',
  onConfirm,
  onClose,
}: {
  title: string;
  /** What will happen, in the operator's words: what is removed, stopped or disabled, and what is not. */
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => Promise<Problem | undefined | void>;
  onClose: () => void;
}) {
  const { error, busy, run } = useAction();
  const safe = useRef<HTMLButtonElement>(null);
  useEffect(() => safe.current?.focus(), []);
  return (
    <Modal title={title} onClose={onClose}>
      <div className="stack">
        <div className="confirm-body">{children}</div>
        <ErrorNotice error={error} />
        <div className="card-actions">
          <button ref={safe} type="button" className="btn btn-ghost" onClick={onClose}>
            {cancelLabel}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            disabled={busy}
            onClick={() =>
              void run(async () => {
                const problem = await onConfirm();
                if (problem) return problem;
                onClose();
              })
            }
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </Modal>
  );
}
