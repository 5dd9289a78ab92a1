/** AWS console links for an execution's task and log stream. Pure: no AWS calls. */

/** The console origin of a region's partition (aws, aws-cn, aws-us-gov). */
export function consoleOrigin(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return 'https://console.amazonaws-us-gov.com';
  return `https://${region}.console.aws.amazon.com`;
}

/** The last path segment of an ARN (`.../cluster/NAME` -> NAME); a bare name is returned as is. */
export function resourceName(arnOrName: string): string {
  return arnOrName.split('/').pop() ?? arnOrName;
}

/** The task's page in the ECS console. */
export function taskConsoleUrl(input: { region: string; cluster: string; taskArn: string }): string {
  const cluster = encodeURIComponent(resourceName(input.cluster));
  const taskId = encodeURIComponent(resourceName(input.taskArn));
  return `${consoleOrigin(input.region)}/ecs/v2/clusters/${cluster}/tasks/${taskId}/configuration?region=${input.region}`;
}

/**
 * The CloudWatch console encodes the log group and stream in the URL fragment: percent-encoded twice,
 * with every `%` then written as `$` (so "/" becomes "$252F").
 */
export function cloudWatchFragment(text: string): string {
  return encodeURIComponent(encodeURIComponent(text)).replace(/%/g, '$');
}

/** The log stream's events in the CloudWatch Logs console. */
export function logStreamConsoleUrl(input: { region: string; logGroup: string; logStream: string }): string {
  return (
    `${consoleOrigin(input.region)}/cloudwatch/home?region=${input.region}#logsV2:log-groups/log-group/` +
    `${cloudWatchFragment(input.logGroup)}/log-events/${cloudWatchFragment(input.logStream)}`
  );
}
