import { assertNever } from '@rft/contracts';
import type { PipelineSpec, PipelineStep, StepKind } from './pipeline-spec.ts';

/** One reference a step makes: the field holding it, the name, and what it may name. */
export interface StepReference {
  field: string;
  name: string;
  /** `model`: a `models:` entry or a serve step; otherwise the step kinds it may name. */
  accepts: 'model' | readonly StepKind[];
}

/** Every name a step refers to, with what each must be. */
export function stepReferences(step: PipelineStep): StepReference[] {
  switch (step.kind) {
    case 'campaign': {
      const refs: StepReference[] = [{ field: 'model', name: step.model, accepts: 'model' }];
      if (step.admit) refs.push({ field: 'admit.step', name: step.admit.step, accepts: ['campaign'] });
      return refs;
    }
    case 'select':
      return step.policy === 'hint-rft'
        ? [
            { field: 'greedy', name: step.greedy, accepts: ['campaign'] },
            { field: 'hint', name: step.hint, accepts: ['campaign'] },
          ]
        : [{ field: 'from', name: step.from, accepts: ['campaign'] }];
    case 'train':
      return [
        { field: 'dataset', name: step.dataset, accepts: ['select'] },
        { field: 'base', name: step.base, accepts: 'model' },
      ];
    case 'serve':
      return [{ field: 'checkpoint', name: step.checkpoint, accepts: ['train'] }];
    case 'eval':
      return step.models.map((name, i) => ({ field: `models.${i}`, name, accepts: 'model' as const }));
    default:
      return assertNever(step);
  }
}

/** The steps a step waits for: every reference that names a step (a model entry is no dependency). */
export function stepDependencies(spec: PipelineSpec, stepName: string): string[] {
  const step = spec.steps[stepName];
  if (!step) throw new Error(`no step named ${JSON.stringify(stepName)}`);
  const names = stepReferences(step)
    .map((ref) => ref.name)
    .filter((name) => Object.hasOwn(spec.steps, name));
  return [...new Set(names)];
}

function describeKinds(kinds: readonly StepKind[]): string {
  return kinds.length === 1 ? `a ${kinds[0]} step` : `one of: ${kinds.map((k) => `a ${k} step`).join(', ')}`;
}

/** References to missing or wrong-kind steps, unknown models and benchmarks, and name clashes: `path: problem`. */
export function referenceProblems(spec: PipelineSpec): string[] {
  const problems: string[] = [];
  const modelNames = Object.keys(spec.models);
  for (const name of modelNames) {
    if (Object.hasOwn(spec.steps, name)) {
      problems.push(`models.${name}: also the name of a step; a model reference would be ambiguous`);
    }
  }
  for (const [stepName, step] of Object.entries(spec.steps)) {
    for (const ref of stepReferences(step)) {
      const path = `steps.${stepName}.${ref.field}`;
      const target = spec.steps[ref.name];
      if (ref.name === stepName) {
        problems.push(`${path}: a step cannot refer to itself`);
      } else if (ref.accepts === 'model') {
        if (Object.hasOwn(spec.models, ref.name)) continue;
        if (target === undefined) {
          const known = [...modelNames, ...serveSteps(spec)];
          problems.push(`${path}: no model or serve step named ${JSON.stringify(ref.name)}; known: ${known.join(', ') || '(none)'}`);
        } else if (target.kind !== 'serve') {
          problems.push(`${path}: ${JSON.stringify(ref.name)} is a ${target.kind} step; a model is a models: entry or a serve step`);
        }
      } else if (target === undefined) {
        problems.push(`${path}: no step named ${JSON.stringify(ref.name)}`);
      } else if (!ref.accepts.includes(target.kind)) {
        problems.push(`${path}: ${JSON.stringify(ref.name)} is a ${target.kind} step; expected ${describeKinds(ref.accepts)}`);
      }
    }
    if (step.kind === 'eval') {
      step.benchmarks.forEach((name, i) => {
        if (!Object.hasOwn(spec.benchmarks, name)) {
          problems.push(`steps.${stepName}.benchmarks.${i}: no benchmark named ${JSON.stringify(name)}`);
        } else if (step.benchmarks.indexOf(name) !== i) {
          problems.push(`steps.${stepName}.benchmarks.${i}: ${JSON.stringify(name)} is listed twice`);
        }
      });
      step.models.forEach((name, i) => {
        if (step.models.indexOf(name) !== i) problems.push(`steps.${stepName}.models.${i}: ${JSON.stringify(name)} is listed twice`);
      });
    }
  }
  const producers = new Map<string, string>();
  for (const [stepName, step] of Object.entries(spec.steps)) {
    if (step.kind !== 'train') continue;
    const path = `steps.${stepName}.produces`;
    const earlier = producers.get(step.produces);
    if (earlier) problems.push(`${path}: ${JSON.stringify(step.produces)} is also produced by steps.${earlier}`);
    else if (Object.hasOwn(spec.models, step.produces))
      problems.push(`${path}: ${JSON.stringify(step.produces)} is already a models: entry`);
    producers.set(step.produces, stepName);
  }
  spec.decontamination?.benchmarks.forEach((name, i) => {
    if (!Object.hasOwn(spec.benchmarks, name)) {
      problems.push(`decontamination.benchmarks.${i}: no benchmark named ${JSON.stringify(name)}`);
    }
  });
  return problems;
}

function serveSteps(spec: PipelineSpec): string[] {
  return Object.entries(spec.steps)
    .filter(([, step]) => step.kind === 'serve')
    .map(([name]) => name);
}

/**
 * Steps in an order where every step comes after the steps it depends on (ties in spec order),
 * or the cycles that make such an order impossible. Assumes references were checked.
 */
export function topologicalOrder(spec: PipelineSpec): { order: string[]; cycles: string[][] } {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const cycles: string[][] = [];
  const visit = (name: string, trail: string[]): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(name)), name]);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of stepDependencies(spec, name)) visit(dep, [...trail, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(spec.steps)) visit(name, []);
  return { order, cycles };
}
