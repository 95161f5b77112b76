import { useState } from 'react';
import { useOp } from '../../api/use-op';
import { ErrorNotice } from '../../components/Notice';
import { Row } from '../runs';

/** The task to schedule, from the catalog (a new schedule only; a schedule keeps its task). */
export function TaskPicker({ onPick }: { onPick: (task: { bundle: string; id: string }) => void }) {
  const tasks = useOp('tasks.list', {});
  const [chosen, setChosen] = useState('');
  const list = tasks.data?.tasks.filter((t) => t.enabled) ?? [];
  return (
    <div className="stack">
      <ErrorNotice error={tasks.error} />
      <Row
        label="Task"
        mono={false}
        required
        hint={
          list.length === 0 && !tasks.loading
            ? 'No task is allowed here yet: import a bundle first.'
            : 'Allowed tasks of the imported bundles.'
        }
        error={undefined}
        control={(aria) => (
          <select {...aria} value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">Choose a task…</option>
            {list.map((t) => (
              <option key={`${t.bundle}\n${t.id}`} value={`${t.bundle}\n${t.id}`}>
                {t.title} ({t.bundle} {t.version})
              </option>
            ))}
          </select>
        )}
      />
      <p className="hint">The schedule follows the newest imported version of the bundle.</p>
      <div className="card-actions">
        <button
          type="button"
          className="btn btn-primary"
          disabled={!chosen}
          onClick={() => {
            const [bundle, id] = chosen.split('\n');
            onPick({ bundle: bundle!, id: id! });
          }}
        >
          Continue
        </button>
      </div>
    </div>
  );
}
