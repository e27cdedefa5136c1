package status

import (
	"fmt"
	"maps"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// This file is the shipped rule pack: health rules in CEL for popular CRDs
// whose status kstatus misjudges, written from each project's documented
// status fields. Every rule reads fields with optional syntax, so an object
// whose controller has not written a status yet is InProgress (no
// expression true), not an error.

// Fragments the rules share.
const (
	// conds is status.conditions, [] when absent.
	conds = `status.?conditions.orValue([])`
	// fresh is true for a condition c written for the object's current
	// generation (or without observedGeneration, as most CRDs write them).
	fresh = `(!has(c.observedGeneration) || c.observedGeneration >= metadata.?generation.orValue(0))`
)

// hasCondition is true when list holds a fresh condition of type t with
// status s.
func hasCondition(list, t, s string) string {
	return fmt.Sprintf(`%s.exists(c, c.type == '%s' && c.status == '%s' && %s)`, list, t, s, fresh)
}

// notTrue describes the conditions of list of the given types that are not
// True, "Type=Status Reason: message" joined by "; ", for a message.
func notTrue(list string, types ...string) string {
	return fmt.Sprintf(`%s.filter(c, c.type in ['%s'] && c.status != 'True')`+
		`.map(c, c.type + '=' + c.status + (c.?reason.orValue('') != '' ? ' ' + c.reason : '') + (c.?message.orValue('') != '' ? ': ' + c.message : ''))`+
		`.join('; ')`, list, strings.Join(types, "', '"))
}

// joinNonEmpty joins the values of exprs that are not "" with sep.
func joinNonEmpty(sep string, exprs ...string) string {
	items := make([]string, len(exprs))
	for i, e := range exprs {
		items[i] = "string(" + e + ")"
	}
	return fmt.Sprintf(`[%s].filter(s, s != '').join('%s')`, strings.Join(items, ", "), sep)
}

// phase is status.phase, "" when absent.
const phase = `status.?phase.orValue('')`

// phaseMessage is "<phase>: <detail>: …" of the string fields named.
func phaseMessage(fields ...string) string {
	exprs := []string{phase}
	for _, f := range fields {
		exprs = append(exprs, `status.?`+f+`.orValue('')`)
	}
	return joinNonEmpty(": ", exprs...)
}

// condsMessage is notTrue over status.conditions.
func condsMessage(types ...string) string { return notTrue(conds, types...) }

// routeRule is the rule of the Gateway API routes: every parent Gateway
// listed in status.parents has Accepted and ResolvedRefs True.
var routeRule = CELRule{
	Failed: `status.?parents.orValue([]).exists(p, p.?conditions.orValue([]).exists(c, c.status == 'False' && ` + fresh + ` && (` +
		`(c.type == 'Accepted' && c.?reason.orValue('') in ['NotAllowedByListeners', 'NoMatchingListenerHostname', 'NoMatchingParent', 'UnsupportedValue']) || ` +
		`(c.type == 'ResolvedRefs' && c.?reason.orValue('') in ['RefNotPermitted', 'InvalidKind', 'UnsupportedProtocol']))))`,
	Current: `status.?parents.orValue([]).size() > 0 && status.parents.all(p, ` +
		hasCondition(`p.?conditions.orValue([])`, "Accepted", "True") + ` && ` +
		hasCondition(`p.?conditions.orValue([])`, "ResolvedRefs", "True") + `)`,
	Message: `status.?parents.orValue([]).size() == 0 ? 'no parent Gateway has accepted the route yet' : ` +
		`status.parents.map(p, p.?parentRef.?name.orValue('?') + ': ' + ` +
		notTrue(`p.?conditions.orValue([])`, "Accepted", "ResolvedRefs") + `).filter(s, !s.endsWith(': ')).join('; ')`,
}

// crossplanePackageRule is the rule of Crossplane packages: the package
// revision is installed and healthy.
var crossplanePackageRule = CELRule{
	Current: hasCondition(conds, "Installed", "True") + ` && ` + hasCondition(conds, "Healthy", "True"),
	Message: condsMessage("Installed", "Healthy"),
}

// crossplaneManagedRule: see CrossplaneManagedRule.
var crossplaneManagedRule = CELRule{
	Current: hasCondition(conds, "Synced", "True") + ` && ` + hasCondition(conds, "Ready", "True"),
	Message: condsMessage("Synced", "Ready"),
}

// tektonRunRule is the rule of Tekton runs: the Succeeded condition, True
// (Current), False (Failed, e.g. Failed, Cancelled, a timeout) or Unknown
// (InProgress, e.g. Running, Pending).
var tektonRunRule = CELRule{
	Failed:  hasCondition(conds, "Succeeded", "False"),
	Current: hasCondition(conds, "Succeeded", "True"),
	Message: condsMessage("Succeeded"),
}

// veleroRule is the rule of Velero backups and restores: the phase.
var veleroRule = CELRule{
	Failed:  phase + ` in ['Failed', 'FailedValidation', 'PartiallyFailed']`,
	Current: phase + ` == 'Completed'`,
	Message: joinNonEmpty(": ", phase, `status.?failureReason.orValue('')`, `status.?validationErrors.orValue([]).join('; ')`),
}

// rolloutStale is true when a Rollout's controller has not observed its
// spec: Argo Rollouts writes status.observedGeneration as a string.
const rolloutStale = `(has(metadata.generation) && type(status.?observedGeneration.orValue(0)) == string && status.observedGeneration != string(metadata.generation))`

// builtinRules is the rule pack, keyed by the kinds it judges.
var builtinRules = map[schema.GroupKind]CELRule{
	// Argo Rollouts: status.phase Healthy, Progressing, Paused or Degraded.
	// status.observedGeneration is the generation as a string.
	{Group: "argoproj.io", Kind: "Rollout"}: {
		InProgress: rolloutStale,
		Failed:     phase + ` == 'Degraded'`,
		Current:    phase + ` == 'Healthy'`,
		Message: rolloutStale + ` ? 'Rollout generation ' + string(metadata.generation) + ' is not observed yet (observed ' + status.observedGeneration + ')' : ` +
			phaseMessage("message"),
	},
	// Argo CD: health Healthy and sync Synced, compared with the current
	// spec, and no sync operation running.
	{Group: "argoproj.io", Kind: "Application"}: {
		InProgress: `status.?operationState.?phase.orValue('') in ['Running', 'Terminating'] || ` +
			`(has(spec.source) && status.?sync.?comparedTo.?source.orValue(spec.source) != spec.source) || ` +
			`(has(spec.sources) && status.?sync.?comparedTo.?sources.orValue(spec.sources) != spec.sources)`,
		Failed: `status.?health.?status.orValue('') == 'Degraded' || ` +
			`(status.?operationState.?phase.orValue('') in ['Failed', 'Error'] && status.?sync.?status.orValue('') != 'Synced')`,
		Current: `status.?health.?status.orValue('') == 'Healthy' && status.?sync.?status.orValue('') == 'Synced'`,
		Message: `'health ' + status.?health.?status.orValue('unknown') + ', sync ' + status.?sync.?status.orValue('unknown') + ` +
			`(status.?operationState.?message.orValue('') != '' ? ': ' + status.operationState.message : '')`,
	},
	// Argo Workflows: status.phase Pending, Running, Succeeded, Failed or
	// Error.
	{Group: "argoproj.io", Kind: "Workflow"}: {
		Failed:  phase + ` in ['Failed', 'Error']`,
		Current: phase + ` == 'Succeeded'`,
		Message: phaseMessage("message"),
	},
	{Group: "tekton.dev", Kind: "PipelineRun"}: tektonRunRule,
	{Group: "tekton.dev", Kind: "TaskRun"}:     tektonRunRule,
	// Gateway API: Accepted and Programmed True for the current generation.
	// The CRD defaults both to Unknown/Pending, which kstatus reads as
	// Current.
	{Group: "gateway.networking.k8s.io", Kind: "Gateway"}: {
		Failed: conds + `.exists(c, c.status == 'False' && ` + fresh + ` && (` +
			`(c.type == 'Accepted' && c.?reason.orValue('') in ['InvalidParameters', 'UnsupportedAddress', 'ListenersNotValid']) || ` +
			`(c.type == 'Programmed' && c.?reason.orValue('') == 'Invalid')))`,
		Current: hasCondition(conds, "Accepted", "True") + ` && ` + hasCondition(conds, "Programmed", "True"),
		Message: condsMessage("Accepted", "Programmed"),
	},
	{Group: "gateway.networking.k8s.io", Kind: "HTTPRoute"}: routeRule,
	{Group: "gateway.networking.k8s.io", Kind: "GRPCRoute"}: routeRule,
	// OLM: status.phase Pending, InstallReady, Installing, Succeeded,
	// Failed, Replacing, Deleting or Unknown.
	{Group: "operators.coreos.com", Kind: "ClusterServiceVersion"}: {
		Failed:  phase + ` == 'Failed'`,
		Current: phase + ` == 'Succeeded'`,
		Message: phaseMessage("reason", "message"),
	},
	// Velero: status.phase New, InProgress, WaitingForPluginOperations…,
	// Finalizing…, Completed, PartiallyFailed, Failed or FailedValidation.
	{Group: "velero.io", Kind: "Backup"}:  veleroRule,
	{Group: "velero.io", Kind: "Restore"}: veleroRule,
	// CloudNativePG: the healthy phase and Ready True; the phases that need
	// manual intervention are Failed (the unrecoverable phase's text
	// changed across releases: it is matched on a word).
	{Group: "postgresql.cnpg.io", Kind: "Cluster"}: {
		Failed: phase + `.contains('unrecoverable') || ` + phase + `.startsWith('Cluster cannot ') || ` +
			phase + ` in ['Unable to create required cluster objects', 'Cluster has incomplete or invalid image catalog']`,
		Current: phase + ` == 'Cluster in healthy state' && ` + hasCondition(conds, "Ready", "True"),
		Message: phaseMessage("phaseReason"),
	},
	// cert-manager: Ready True for the current generation; a failed
	// issuance (Issuing False, reason Failed) is Failed until retried.
	{Group: "cert-manager.io", Kind: "Certificate"}: {
		Failed:  conds + `.exists(c, c.type == 'Issuing' && c.status == 'False' && c.?reason.orValue('') == 'Failed' && ` + fresh + `)`,
		Current: hasCondition(conds, "Ready", "True"),
		Message: condsMessage("Ready", "Issuing"),
	},
	// Crossplane packages and definitions.
	{Group: "pkg.crossplane.io", Kind: "Provider"}:      crossplanePackageRule,
	{Group: "pkg.crossplane.io", Kind: "Configuration"}: crossplanePackageRule,
	{Group: "pkg.crossplane.io", Kind: "Function"}:      crossplanePackageRule,
	{Group: "apiextensions.crossplane.io", Kind: "CompositeResourceDefinition"}: {
		Current: hasCondition(conds, "Established", "True") + ` && (!has(spec.claimNames) || ` + hasCondition(conds, "Offered", "True") + `)`,
		Message: condsMessage("Established", "Offered"),
	},
}

// BuiltinRules returns the CEL rules of the rule pack by the kinds they
// judge (a new map each call): Argo Rollouts Rollout, Argo CD Application,
// Argo Workflows Workflow, Tekton PipelineRun and TaskRun, Gateway API
// Gateway, HTTPRoute and GRPCRoute, OLM ClusterServiceVersion, Velero Backup
// and Restore, CloudNativePG Cluster, cert-manager Certificate, Crossplane
// Provider, Configuration, Function and CompositeResourceDefinition.
func BuiltinRules() map[schema.GroupKind]CELRule {
	return maps.Clone(builtinRules)
}

// CrossplaneManagedRule returns the rule of Crossplane managed resources,
// composite resources and claims: Synced and Ready True for the current
// generation. Their kinds are the providers' and yours, too many to ship:
// register it for each, e.g.
// funcs[gk], err = status.NewCELFunc(status.CrossplaneManagedRule()).
func CrossplaneManagedRule() CELRule { return crossplaneManagedRule }

var builtinFuncs = sync.OnceValue(func() map[schema.GroupKind]Func {
	funcs := make(map[schema.GroupKind]Func, len(builtinRules))
	for gk, rule := range builtinRules {
		fn, err := NewCELFunc(rule)
		if err != nil {
			panic(fmt.Sprintf("status: rule pack: %s: %v", gk, err))
		}
		funcs[gk] = fn
	}
	return funcs
})

// Builtin returns the rule pack compiled: a Func for each kind of
// BuiltinRules (a new map each call, so callers may add their own), to
// register with NewComputer or wait.Options.StatusFuncs. The rules go
// through NewCELFunc, so a status.observedGeneration behind
// metadata.generation is InProgress first.
func Builtin() map[schema.GroupKind]Func {
	return maps.Clone(builtinFuncs())
}
