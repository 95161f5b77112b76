/**
 * Everything checked before a run is recorded, so nothing starts on a bad request: the bundle and
 * task exist, the tag policy and revocations allow it, a read-write task has a reason, the
 * configuration fits the task's variables, the network may be had, secrets have somewhere safe to go
 * and their vault items exist, are bound to the bundle and open.
 */
import { ApiError, type CoreContext } from '../kernel';
import type { CodebundleTask, BundlePort, RunnableBundle } from '../bundles';
import { Masker } from '../redact';
import { checkSshCredentials, needVaultKey, VaultItems, secretRoot, SshCas, SshRunCredentials, type TokenSignerOpener } from '../vault';
import { resolveConfig, type ResolvedConfig } from './config';
import type { RunJob } from './execute';
import type { NetworkChoice } from './hardening';
import { newRunId } from './ids';
import { chooseNetwork } from './networks';
import type { NewRun, RunPlacement } from './records';
import { placementLabels } from '../nodes';
import { runnerSettings } from './settings';

export interface StartRequest {
  bundle: string;
  task: string;
  values: Record<string, string>;
  files: Record<string, string>;
  secrets: Record<string, string>;
  reason?: string | undefined;
  /** An enrolled node to run on; absent: this workstation's engine (or a node the labels choose). */
  node?: string | undefined;
  /** Labels the node must carry, besides the task's own `placement.labels`. */
  placement?: Record<string, string> | undefined;
  /** When its node stops answering, run a read-only task again on another fitting node. */
  retryElsewhere?: boolean | undefined;
}

export interface CheckedRun {
  bundle: RunnableBundle;
  task: CodebundleTask;
  config: ResolvedConfig;
  network: NetworkChoice;
  timeoutSeconds: number;
  approvalRequired: boolean;
  reason: string | null;
  node: string | null;
  /** Null: this workstation. Otherwise the labels a node must carry (task's and operator's) and the node named. */
  placement: RunPlacement | null;
}

/** The checks that need no lease and open no secret. */
export function checkRun(ctx: CoreContext, bundles: BundlePort, req: StartRequest): CheckedRun {
  const db = ctx.db;
  const settings = runnerSettings(db);
  const bundle = bundles.resolve(db, req.bundle);
  const task = bundle.codebundle.tasks.find((t) => t.id === req.task);
  if (!task) {
    throw new ApiError(
      'NOT_FOUND',
      `${bundle.name}@${bundle.version} has no task "${req.task}". Its tasks: ${bundle.codebundle.tasks.map((t) => t.id).join(', ')}.`,
    );
  }
  const admission = bundles.admit(db, bundle, task);
  if (!admission.allowed) throw new ApiError('POLICY_DENIED', admission.reason);
  const reason = req.reason?.trim() ? req.reason.trim() : null;
  if (task.access === 'read-write' && !reason) {
    throw new ApiError('INVALID_INPUT', `${task.id} is a read-write task: give a written reason (--reason TEXT) saying why it must run.`);
  }
  const config = resolveConfig(task, { values: req.values, files: req.files, secrets: req.secrets });
  const network = chooseNetwork(db, task.network, settings.hostNetworkAllowed);
  const labels = placementLabels(task.placement?.labels ?? {}, req.placement ?? {});
  const remote = Boolean(req.node) || Object.keys(labels).length > 0;
  if (req.retryElsewhere && !remote)
    throw new ApiError('INVALID_INPUT', 'A retry elsewhere needs a run on a node: name one (--node) or labels (--placement K=V).');
  if (req.retryElsewhere && req.node)
    throw new ApiError(
      'INVALID_INPUT',
      'A retry elsewhere needs the run placed by labels (--placement K=V), not on one named node: there would be no other node to retry on.',
    );
  if (req.retryElsewhere && task.access !== 'read-only')
    throw new ApiError('INVALID_INPUT', `${task.id} is a read-write task: only read-only tasks are retried on another node.`);
  const placement: RunPlacement | null = remote ? { labels, node: req.node ?? null, retryElsewhere: req.retryElsewhere === true } : null;
  // Refused now (no CA, no allowed principal), not when the run starts.
  checkSshCredentials(db, bundle.name, task.tags, task.credentials);
  // On a node, secrets go to a per-run tmpfs volume there; here they need a safe local folder.
  if (task.secrets.length + task.credentials.length > 0 && !remote)
    secretRoot({ workstationId: ctx.workstationId, home: ctx.home, allowDisk: settings.allowSecretsOnDisk });
  return {
    bundle,
    task,
    config,
    network,
    timeoutSeconds: Math.min(task.timeoutSeconds, settings.maxTimeoutSeconds),
    approvalRequired: settings.requireApproval && task.access === 'read-write',
    reason,
    node: req.node ?? null,
    placement,
  };
}

/** Opens the vault items the task needs with the caller's vault key (bound to the bundle, or refused). */
export function openSecrets(ctx: CoreContext, checked: CheckedRun, vaultKey: Buffer | undefined): Map<string, Buffer> {
  if (checked.task.secrets.length === 0) return new Map();
  return new VaultItems(ctx.db).openForRun(needVaultKey(vaultKey), checked.bundle.name, checked.config.secrets);
}

/**
 * The task's per-run SSH credentials: the key pairs made now and the CA signer opened (vault key,
 * or a token session opened with the PIN given at start); signed when the run starts.
 */
export function openSshCredentials(
  ctx: CoreContext,
  checked: CheckedRun,
  vaultKey: Buffer | undefined,
  openToken?: TokenSignerOpener,
): SshRunCredentials | null {
  return SshRunCredentials.prepare(ctx.db, {
    bundle: checked.bundle.name,
    tags: checked.task.tags,
    decls: checked.task.credentials,
    vaultKey,
    ...(openToken ? { openToken } : {}),
  });
}

function sensitiveConfigValues(checked: CheckedRun): string[] {
  const values = checked.config.recorded.values;
  return checked.task.config.filter((v) => v.sensitive && values[v.name]).map((v) => values[v.name]!);
}

/**
 * What a schedule cannot do: sign a per-run SSH certificate with a CA whose key is on a PKCS#11
 * token, since no one is there to type the token's PIN. Refused when the schedule is made and again
 * at each occurrence (the CA may have changed since). Placement and vault-kept CAs are as for a run
 * started by hand.
 */
export function refuseUnattended(ctx: CoreContext, checked: Pick<CheckedRun, 'task'>): void {
  if (checked.task.credentials.length === 0) return;
  const ca = new SshCas(ctx.db).active();
  if (ca && ca.storage !== 'vault') {
    throw new ApiError(
      'POLICY_DENIED',
      `${checked.task.id} needs a per-run SSH certificate from the SSH CA "${ca.name}", whose key is on a hardware token. A schedule cannot use it: no one is there to type the token's PIN. Start this task by hand, or have an admin keep the SSH CA's key in the vault.`,
    );
  }
}

/** The job the runner executes and the record to insert. */
export function prepareJob(
  ctx: CoreContext,
  checked: CheckedRun,
  startedBy: string,
  secrets: Map<string, Buffer>,
  instanceId: string,
  nodes: RunJob['nodes'] = null,
  ssh: SshRunCredentials | null = null,
  retryOf: string | null = null,
): { job: RunJob; record: NewRun } {
  const id = newRunId();
  const job: RunJob = {
    id,
    bundle: checked.bundle,
    task: checked.task,
    config: checked.config,
    secrets,
    // Vault values and the values of variables the task marks sensitive never reach the log.
    masker: new Masker([...secrets.values(), ...sensitiveConfigValues(checked), ...(ssh?.maskValues() ?? [])]),
    reason: checked.reason,
    startedBy,
    timeoutSeconds: checked.timeoutSeconds,
    ssh,
    nodes,
    node: null,
    retryElsewhere: checked.placement?.retryElsewhere === true,
  };
  const record: NewRun = {
    id,
    bundle: { name: checked.bundle.name, version: checked.bundle.version, digest: checked.bundle.digest },
    imageId: checked.bundle.imageId,
    task: { id: checked.task.id, title: checked.task.title, access: checked.task.access },
    startedBy,
    reason: checked.reason,
    config: checked.config.recorded,
    state: checked.approvalRequired ? 'awaiting-approval' : 'queued',
    approvalRequired: checked.approvalRequired,
    instanceId,
    createdAt: ctx.clock.now().toISOString(),
    timeoutSeconds: checked.timeoutSeconds,
    // A named node is known now; one chosen by labels is recorded as the run starts.
    node: checked.node ?? (nodes?.length === 1 ? nodes[0]!.entry.name : null),
    placement: checked.placement,
    retryOf,
  };
  return { job, record };
}

/** What the runs.start audit event says: names and choices, never values of secrets. */
export function startDetails(checked: CheckedRun): Record<string, unknown> {
  return {
    bundle: `${checked.bundle.name}@${checked.bundle.version}`,
    digest: checked.bundle.digest,
    task: checked.task.id,
    access: checked.task.access,
    reason: checked.reason,
    variables: Object.keys(checked.config.recorded.values),
    files: Object.keys(checked.config.recorded.files),
    secrets: checked.config.recorded.secrets,
    credentials: checked.task.credentials.map((c) => ({ name: c.name, principals: c.principals })),
    network: checked.network.engineNetwork,
    networkKind: checked.network.kind,
    timeoutSeconds: checked.timeoutSeconds,
    approvalRequired: checked.approvalRequired,
    node: checked.node,
    placement: checked.placement,
  };
}
