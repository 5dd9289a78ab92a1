import type { TestProject } from 'vitest/node';
import { startMoto } from './moto-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
  }
}

/** One moto_server per test project; tests reset it between themselves (see test/support/moto.ts). */
export default async function setup(project: TestProject) {
  const moto = await startMoto();
  project.provide('motoUrl', moto.url);
  return async () => {
    await moto.stop();
  };
}
