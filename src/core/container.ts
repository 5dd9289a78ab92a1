/** The one container of every runvoy task definition. */
export const RUNNER_CONTAINER_NAME = 'runner';

/** awslogs stream prefix: streams are named `runvoy/runner/<task-id>`. */
export const LOG_STREAM_PREFIX = 'runvoy';
