import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { progress, ScenarioResult } from '../report';
import { repoRoot } from '../system';

/** The ledger domain's model-based test (fast-check) at the chaos suite's size. */
export const modelSpec = 'libs/ledger-domain/src/credit-account/credit-account.model.unit.spec.ts';

/** Runs the model test with FC_RUNS × FC_STEPS (1,000 × 100 by default) in jest. */
export function modelRun(runs = 1000, steps = 100): ScenarioResult {
  const started = Date.now();
  progress(`model: ${modelSpec} with FC_RUNS=${runs} FC_STEPS=${steps}`);
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js'), '--runTestsByPath', modelSpec, '--testTimeout', '1800000'], {
    cwd: repoRoot,
    env: { ...process.env, FC_RUNS: String(runs), FC_STEPS: String(steps) },
    encoding: 'utf8',
    timeout: 30 * 60 * 1000,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const passed = result.status === 0;
  const tests = /Tests:\s+([^\n]+)/.exec(output)?.[1]?.trim() ?? 'no summary';
  const failures = passed ? [] : [output.split('\n').filter((line) => /●|Counterexample|Expected|Received|Error/.test(line)).slice(0, 15).join('\n') || `jest exited ${String(result.status)}`];
  return {
    scenario: 'model',
    title: 'fast-check model of the ledger domain, 1,000 runs × 100 steps',
    status: passed ? 'passed' : 'failed',
    durationMs: Date.now() - started,
    figures: { 'FC_RUNS × FC_STEPS': `${runs} × ${steps}`, 'commands checked': runs * steps, tests },
    verdicts: [{ name: 'balance = model, no invariant broken, nothing spent while frozen or beyond spendable', ok: passed, figures: {}, failures }],
    notes: [],
  };
}
