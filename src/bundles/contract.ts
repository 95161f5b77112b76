/**
 * The contract between a CodeBundle image and the runner: where codebundle.yaml is, what a task
 * finds in its container, and where it writes its results. docs/codebundle-format.md explains it.
 */

/** Image label whose value is the absolute path of codebundle.yaml inside the image. */
export const CODEBUNDLE_LABEL = 'io.airgap-runner.codebundle';
/** The conventional value of CODEBUNDLE_LABEL: sources under samples/bundles/<name>/ go to /codebundle/. */
export const CODEBUNDLE_DEFAULT_PATH = '/codebundle/codebundle.yaml';
/** The folder the bundle's files live in, and the task's working directory. */
export const CODEBUNDLE_DIR = '/codebundle';

/** Largest codebundle.yaml accepted (bytes). */
export const CODEBUNDLE_MAX_BYTES = 64 * 1024;

/** Paths inside the task container. */
export const CONTAINER_PATHS = {
  /** Writable folder for results; only issues.jsonl and report.jsonl are read back. */
  output: '/airgap/output',
  /** Secrets, one read-only file per declared secret: /airgap/secrets/<name>. Never environment values. */
  secrets: '/airgap/secrets',
  /** Operator-picked files of `file` variables, each mounted read-only at /airgap/files/<NAME>. */
  files: '/airgap/files',
} as const;

/** Result files in the output folder. */
export const RESULT_FILES = { issues: 'issues.jsonl', report: 'report.jsonl', metrics: 'metrics.jsonl' } as const;

/** Environment the runner sets for every task (besides the task's config variables, by their names). */
export const TASK_ENV = {
  /** = CONTAINER_PATHS.output */
  outputDir: 'AIRGAP_OUTPUT_DIR',
  /** = CONTAINER_PATHS.secrets (a path, never a secret value) */
  secretsDir: 'AIRGAP_SECRETS_DIR',
  /** The task's id in codebundle.yaml. */
  taskId: 'AIRGAP_TASK_ID',
  /** The task's title: what results put in `taskName`. */
  taskName: 'AIRGAP_TASK_NAME',
  runId: 'AIRGAP_RUN_ID',
  bundleName: 'AIRGAP_BUNDLE_NAME',
  bundleVersion: 'AIRGAP_BUNDLE_VERSION',
  /** The operator's written reason; set for read-write tasks only. */
  runReason: 'AIRGAP_RUN_REASON',
} as const;

/** Environment names a config variable may not take (the runner's own, and ones that change how programs load). */
export const RESERVED_ENV_NAMES: readonly string[] = ['PATH', 'HOME', 'TMPDIR', 'HOSTNAME', 'PWD', 'SHELL', 'USER', 'IFS', 'ENV'];
export const RESERVED_ENV_PREFIXES: readonly string[] = ['AIRGAP_', 'LD_', 'DOCKER_', 'BASH_'];

/** Issue severities as RunWhen uses them: 1 critical, 2 major, 3 minor, 4 informational. */
export const SEVERITY = { critical: 1, major: 2, minor: 3, info: 4 } as const;

/** Report line formats (`fmt`). */
export const REPORT_FORMATS = ['p', 'pre', 'code', 'a', 'json', 'table'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
