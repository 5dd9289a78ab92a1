import type { AwsClients } from '../clients.js';
import { loadSdk } from '../sdk.js';

/** Deletes the stack's table after the stack is gone; a table that is already gone is fine. */
export async function deleteTable(clients: AwsClients, tableName: string): Promise<void> {
  const { DeleteTableCommand } = await loadSdk('@aws-sdk/client-dynamodb');
  const dynamo = await clients.dynamo();
  try {
    await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
}
