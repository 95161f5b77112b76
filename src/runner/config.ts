/**
 * A run's configuration checked against the task's declared variables and secrets before anything
 * starts (docs/codebundle-format.md, "What a task finds in its container"). The result is the
 * environment, the read-only file mounts and the secret-to-vault-item choices; what is recorded
 * holds values and file paths but, for secrets, only names.
 */
import { realpathSync, statSync, accessSync, constants } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ApiError } from '../kernel';
import { CONTAINER_PATHS, type CodebundleTask } from '../bundles';

export interface RunConfigInput {
  /** `--set NAME=VALUE`: text as typed. */
  values: Record<string, string>;
  /** `--file NAME=PATH`: a host file for each `file` variable. */
  files: Record<string, string>;
  /** `--secret NAME=VAULT_ITEM`: the vault item for each declared secret (default: the item of the same name). */
  secrets: Record<string, string>;
}

export interface FileMount {
  name: string;
  /** Real path on the host (links resolved). */
  hostPath: string;
  containerPath: string;
}

export interface ResolvedConfig {
  /** Config variables as the task sees them (values as text). */
  env: Record<string, string>;
  files: FileMount[];
  /** Declared secret name -> vault item name. */
  secrets: Record<string, string>;
  /** What the run record keeps: values, picked file paths, secret -> item names. Never a secret value. */
  recorded: { values: Record<string, string>; files: Record<string, string>; secrets: Record<string, string> };
}

const MAX_VALUE_CHARS = 4096;

function invalid(message: string): ApiError {
  return new ApiError('INVALID_INPUT', message);
}

function checkValue(task: CodebundleTask, name: string, raw: string): string {
  const variable = task.config.find((v) => v.name === name)!;
  if (raw.length > MAX_VALUE_CHARS) throw invalid(`${name}: a value has at most ${MAX_VALUE_CHARS} characters.`);
  if (raw.includes('\0')) throw invalid(`${name}: a value may not contain NUL.`);
  switch (variable.type) {
    case 'string':
      if (variable.pattern && !new RegExp(`^(?:${variable.pattern})$`, 'u').test(raw)) {
        throw invalid(`${name}: "${raw.slice(0, 80)}" does not match the pattern ${variable.pattern}.`);
      }
      return raw;
    case 'number': {
      const text = raw.trim();
      if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text) || !Number.isFinite(Number(text)))
        throw invalid(`${name}: expected a number, got "${raw.slice(0, 80)}".`);
      return String(Number(text));
    }
    case 'boolean': {
      const text = raw.trim().toLowerCase();
      if (text !== 'true' && text !== 'false') throw invalid(`${name}: expected true or false, got "${raw.slice(0, 80)}".`);
      return text;
    }
    case 'enum':
      if (!variable.enum!.includes(raw)) throw invalid(`${name}: expected one of ${variable.enum!.join(', ')}, got "${raw.slice(0, 80)}".`);
      return raw;
    case 'file':
      throw invalid(`${name} is a file variable: pick the file with --file ${name}=PATH, not --set.`);
  }
}

function defaultText(value: string | number | boolean): string {
  return typeof value === 'string' ? value : String(value);
}

function checkFile(name: string, path: string): string {
  if (!isAbsolute(path)) throw invalid(`${name}: give the file's absolute path (got "${path.slice(0, 200)}").`);
  let real: string;
  try {
    real = realpathSync(path);
    if (!statSync(real).isFile()) throw invalid(`${name}: ${path} is not a regular file.`);
    accessSync(real, constants.R_OK);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw invalid(
      `${name}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}). Check the path and its permissions.`,
    );
  }
  return real;
}

/** Validates everything; throws INVALID_INPUT naming the first problem. */
export function resolveConfig(task: CodebundleTask, input: RunConfigInput): ResolvedConfig {
  const known = new Set(task.config.map((v) => v.name));
  for (const name of [...Object.keys(input.values), ...Object.keys(input.files)]) {
    if (!known.has(name)) {
      const list = task.config.map((v) => v.name).join(', ') || 'none';
      throw invalid(`The task ${task.id} has no variable ${name}. Its variables: ${list}.`);
    }
  }
  const env: Record<string, string> = {};
  const files: FileMount[] = [];
  const recorded: ResolvedConfig['recorded'] = { values: {}, files: {}, secrets: {} };
  for (const variable of task.config) {
    const name = variable.name;
    if (variable.type === 'file') {
      if (input.values[name] !== undefined) throw invalid(`${name} is a file variable: pick the file with --file ${name}=PATH, not --set.`);
      const path = input.files[name];
      if (path === undefined) {
        if (variable.required) throw invalid(`${name} is required: pick a file with --file ${name}=PATH.`);
        continue;
      }
      const hostPath = checkFile(name, path);
      const containerPath = `${CONTAINER_PATHS.files}/${name}`;
      files.push({ name, hostPath, containerPath });
      env[name] = containerPath;
      recorded.files[name] = hostPath;
      continue;
    }
    if (input.files[name] !== undefined) throw invalid(`${name} is not a file variable: give its value with --set ${name}=VALUE.`);
    const raw = input.values[name];
    if (raw !== undefined) {
      env[name] = checkValue(task, name, raw);
      recorded.values[name] = env[name];
    } else if (variable.default !== undefined) {
      env[name] = defaultText(variable.default);
    } else if (variable.required) {
      throw invalid(
        `${name} is required${variable.example ? ` (for example ${variable.example})` : ''}: give it with --set ${name}=VALUE.`,
      );
    }
  }
  const declared = new Set(task.secrets.map((s) => s.name));
  for (const name of Object.keys(input.secrets)) {
    if (!declared.has(name))
      throw invalid(`The task ${task.id} declares no secret ${name}. Its secrets: ${[...declared].join(', ') || 'none'}.`);
  }
  const secrets: Record<string, string> = {};
  for (const secret of task.secrets) secrets[secret.name] = input.secrets[secret.name] ?? secret.name;
  recorded.secrets = { ...secrets };
  return { env, files, secrets, recorded };
}
