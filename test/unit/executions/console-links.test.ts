import { describe, expect, it } from 'vitest';
import {
  cloudWatchFragment,
  consoleOrigin,
  logStreamConsoleUrl,
  resourceName,
  taskConsoleUrl,
} from '../../../src/core/console-links.js';

describe('console links', () => {
  it('links the task page of the ECS console, from ARNs or names', () => {
    expect(
      taskConsoleUrl({
        region: 'eu-west-1',
        cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/runvoy-Cluster-AB12',
        taskArn:
          'arn:aws:ecs:eu-west-1:123456789012:task/runvoy-Cluster-AB12/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6',
      }),
    ).toBe(
      'https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/runvoy-Cluster-AB12/tasks/8f2a6c3e1b9d4e7fa0c5b2d1e3f4a5b6/configuration?region=eu-west-1',
    );
    expect(resourceName('plain')).toBe('plain');
  });

  it('encodes the log group and stream as the CloudWatch console expects ($252F for /)', () => {
    expect(cloudWatchFragment('/runvoy/prod')).toBe('$252Frunvoy$252Fprod');
    expect(cloudWatchFragment('a b#c')).toBe('a$2520b$2523c');
    expect(
      logStreamConsoleUrl({
        region: 'us-east-1',
        logGroup: '/runvoy/runvoy',
        logStream: 'runvoy/runner/abc123',
      }),
    ).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Frunvoy$252Frunvoy/log-events/runvoy$252Frunner$252Fabc123',
    );
  });

  it('uses the console of the region’s partition', () => {
    expect(consoleOrigin('us-east-1')).toBe('https://us-east-1.console.aws.amazon.com');
    expect(consoleOrigin('cn-north-1')).toBe('https://cn-north-1.console.amazonaws.cn');
    expect(consoleOrigin('us-gov-west-1')).toBe('https://console.amazonaws-us-gov.com');
  });
});
