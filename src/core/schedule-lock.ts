import { lockPk } from './execution.js';
import { EXECUTION_SK } from './execution.js';

/*
 * How a scheduled run takes its --lock with no server (docs/schedules.md): the schedule's task definition
 * has a second container, `lock`, that starts first and runs LOCK_SCRIPT with the AWS CLI. It takes the lock
 * item with one DynamoDB conditional write, as `runvoy run` would (a new fence, a new version, a lease), and
 * exits 0; the `runner` container depends on its SUCCESS, so the command never starts while someone else
 * holds the lock. `reconcile` releases the lock once the task has stopped, as for any finished holder.
 */

export const LOCK_CONTAINER_NAME = 'lock';
/** The AWS CLI v2 image (multi-architecture: x86_64 and arm64). */
export const LOCK_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.35';
/** Where the lock container leaves the fence for the command: a volume both containers mount. */
export const LOCK_VOLUME = 'runvoy-lock';
export const LOCK_DIR = '/runvoy';
export const LOCK_FILE = `${LOCK_DIR}/lock.env`;
/** The lock container's exit code when the lock is held (runvoy's own exit code for that). */
export const LOCK_HELD_EXIT = 3;

/**
 * The lock container's script. Everything it writes comes from its environment, set by runvoy from
 * validated values (RUNVOY_LOCK_KEY and RUNVOY_LOCK_VALUES are JSON that runvoy built), or from this task's
 * own ARN (ECS's task metadata endpoint); nothing a user typed is pasted into it.
 *
 * The holder's execution ID is derived from the task ARN exactly as reconcile derives the ID of a task it
 * adopts (adoptedExecutionId: sha256, the low five bits of each of the first 12 bytes), so the lock names
 * the record that reconcile then writes for this task.
 */
export const LOCK_SCRIPT = String.raw`set -uo pipefail
say() { printf 'runvoy lock: %s\n' "$*" >&2; }
task_arn="${'$'}{RUNVOY_TASK_ARN:-}"
if [ -z "$task_arn" ]; then
  meta="$(curl -fsS --max-time 10 "${'$'}{ECS_CONTAINER_METADATA_URI_V4}/task")" || { say "cannot read the task metadata"; exit 1; }
  task_arn="$(printf '%s' "$meta" | sed -n 's/.*"TaskARN"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')"
fi
[ -n "$task_arn" ] || { say "cannot tell this task's ARN"; exit 1; }
hex="$(printf '%s' "$task_arn" | sha256sum | cut -c1-24)"
alphabet=0123456789abcdefghjkmnpqrstvwxyz
id=""
for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
  byte=$((16#${'$'}{hex:$((i * 2)):2}))
  id="$id${'$'}{alphabet:$((byte & 31)):1}"
done
now_ms="$(date +%s%3N)"
at="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
lease=$((now_ms + RUNVOY_LOCK_LEASE_SECONDS * 1000))
version="$(cat /proc/sys/kernel/random/uuid)"
values="${'$'}{RUNVOY_LOCK_VALUES%\}},\":id\":{\"S\":\"$id\"},\":at\":{\"S\":\"$at\"},\":now\":{\"N\":\"$now_ms\"},\":lease\":{\"N\":\"$lease\"},\":version\":{\"S\":\"$version\"}}"
err="$(mktemp)"
if ! fence="$(aws dynamodb update-item --table-name "$RUNVOY_TABLE" --key "$RUNVOY_LOCK_KEY" \
  --update-expression 'SET #state = :held, #name = :name, kindPk = :kind, kindSk = :name, holderExecutionId = :id, holderArn = :arn, holderHost = :host, #command = :command, acquiredAt = :at, leaseExpiresAt = :lease, #version = :version ADD fence :one' \
  --condition-expression 'attribute_not_exists(pk) OR #state = :free OR leaseExpiresAt <= :now' \
  --expression-attribute-names '{"#state":"state","#name":"name","#command":"command","#version":"version"}' \
  --expression-attribute-values "$values" \
  --return-values ALL_NEW --query 'Attributes.fence.N' --output text 2>"$err")"; then
  if grep -q ConditionalCheckFailed "$err"; then
    holder="$(aws dynamodb get-item --table-name "$RUNVOY_TABLE" --key "$RUNVOY_LOCK_KEY" --query '[Item.holderExecutionId.S, Item.holderArn.S, Item.acquiredAt.S]' --output text 2>/dev/null)"
    say "the lock $RUNVOY_LOCK_NAME is held (holder, who, since: $holder); this run does not start"
    exit ${LOCK_HELD_EXIT}
  fi
  say "could not take the lock $RUNVOY_LOCK_NAME: $(cat "$err")"
  exit 1
fi
mkdir -p "${'$'}{RUNVOY_LOCK_DIR:-${LOCK_DIR}}"
printf 'RUNVOY_EXECUTION_ID=%s\nRUNVOY_LOCK_NAME=%s\nRUNVOY_LOCK_FENCE=%s\n' "$id" "$RUNVOY_LOCK_NAME" "$fence" > "${'$'}{RUNVOY_LOCK_DIR:-${LOCK_DIR}}/lock.env"
say "took the lock $RUNVOY_LOCK_NAME (fence $fence) for execution $id"
`;

export interface LockContainerEnvInput {
  tableName: string;
  lockName: string;
  leaseSeconds: number;
  callerArn: string;
  scheduleName: string;
  command: string[];
}

/**
 * The lock container's environment, set in the schedule's Input (the overrides of each RunTask). The JSON
 * values are DynamoDB-typed and built here, so the script only appends values it made itself.
 */
export function lockContainerEnv(input: LockContainerEnvInput): Array<{ name: string; value: string }> {
  const key = { pk: { S: lockPk(input.lockName) }, sk: { S: EXECUTION_SK } };
  const values = {
    ':held': { S: 'HELD' },
    ':free': { S: 'FREE' },
    ':kind': { S: 'LOCK' },
    ':name': { S: input.lockName },
    ':arn': { S: input.callerArn },
    ':host': { S: `schedule:${input.scheduleName}` },
    ':command': { L: input.command.map((arg) => ({ S: arg })) },
    ':one': { N: '1' },
  };
  return [
    { name: 'RUNVOY_TABLE', value: input.tableName },
    { name: 'RUNVOY_LOCK_NAME', value: input.lockName },
    { name: 'RUNVOY_LOCK_KEY', value: JSON.stringify(key) },
    { name: 'RUNVOY_LOCK_VALUES', value: JSON.stringify(values) },
    { name: 'RUNVOY_LOCK_LEASE_SECONDS', value: String(input.leaseSeconds) },
  ];
}
