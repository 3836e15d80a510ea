/**
 * hybridcfg as a library: load a spec, plan it against its target, apply the plan, with the same
 * orchestrator the CLI uses (src/session). Messages go to the IoHost you pass (SILENT_HOST drops them,
 * and answers confirmations no: pass a host that answers yes to apply).
 */
export { SILENT_HOST, type IoHost, type IoMessage, type IoRequest } from './io/host';
export { IO } from './io/messages';
export { loadSpec, withSession, type Session, type SessionOptions } from './session/session';
export { applySpec, rollbackSpec, type Outcome } from './session/apply';
export { exportSpec } from './session/export';
export { plan, planRollback } from './plan/planner';
export { savePlan, loadPlan } from './plan/file';
export { REGISTRY, withKinds, type Registry } from './resources/registry';
export type { Change, AttributeChange, Effect, ResourceKind, LiveState } from './resources/types';
export type { Plan, PlannedRestart } from './plan/types';
export type { ApplyResult, ServerResult, OrganizationResult } from './apply/apply';
export type { Diagnostic, SourceRange } from './diag/diagnostic';
export { DiagnosticError } from './diag/diagnostic';
export type { Spec, LoadedSpec } from './spec/types';
export { ASSUMPTIONS, type AssumptionUse } from './assumptions/register';
