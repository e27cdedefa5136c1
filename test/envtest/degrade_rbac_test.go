package envtest_test

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Degrade, don't hang": a forbidden list/watch walks down the permission
// ladder, per (resource, namespace) group and only on 403: cluster-wide
// informer (when chosen) → namespace informer → one informer per object,
// listed and watched with fieldSelector=metadata.name=<name> (what RBAC
// grants to a Role limited by resourceNames) → a GET per object every poll
// interval. Each forbidden rung costs one refused request, and its source
// stops at once. The caller sees no error from a rung the wait moved past;
// only an object even GET may not read is Unknown with the Forbidden error.
//
// A request sent after a 403 and then abandoned by the client (shown as
// "→ no answer") counts as one more request: the API server got it. Only a
// request whose context had ended before it was sent does not (requestLog).
//
// One user per rung runs the same mixed wait: Widgets w1 (Ready False, then
// made Ready by the admin mid-wait) and w2 (Ready), and ConfigMap settings,
// in namespace A. The API requests each user makes, and the answers, show
// the rung used.
var _ = Describe("Degrade: the permission ladder", func() {
	const (
		pollInterval = 200 * time.Millisecond
		// quiet is how long a spec checks that nothing more happens: longer
		// than the reflector's first retry (800ms) and several poll intervals.
		quiet = 1500 * time.Millisecond
	)
	var (
		nsA    string
		w1, w2 *unstructured.Unstructured
		ids    []wait.ResourceIdentifier
		log    *requestLog
	)

	BeforeEach(func(ctx SpecContext) {
		nsA = createNamespace(ctx, "degrade-rbac-a-")
		w1 = createWidget(ctx, nsA, "w1", "False", "w1 is starting")
		w2 = createWidget(ctx, nsA, "w2", "True", "w2 is ready")
		cm := createConfigMap(ctx, nsA, "settings")
		ids = []wait.ResourceIdentifier{widgetID(w1), widgetID(w2), configMapID(cm)}
		log = &requestLog{}
	})

	// runMixedWait runs the wait on ids as user, makes w1 Ready once the
	// wait has seen it starting, and checks that the wait completes with a
	// valid event stream in which no error shows.
	runMixedWait := func(ctx context.Context, user *rest.Config, opts wait.Options) time.Duration {
		GinkgoHelper()
		r := newResolver(log.config(user), opts)
		started := time.Now()
		events := r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids)
		seenW1 := false
		got := readUntil(events, func(ev wait.Event) bool {
			seenW1 = seenW1 || isUpdate(ids[0], status.InProgressStatus, "w1 is starting")(ev)
			return seenW1 && ev.AggregateStatus != status.UnknownStatus
		})
		firstSeen := time.Since(started)
		setWidgetStatus(ctx, w1, 1, "True", "Test", "w1 is ready")
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(withErrors(got)).To(BeEmpty(), "a rung the wait moved past showed its error:\n%s", describeEvents(got))
		return firstSeen
	}

	// expectStopped checks that, once the wait is over, nothing asks for
	// the collections a forbidden rung read: its source was stopped at once.
	expectStopped := func(forbidden ...func(loggedRequest) bool) {
		GinkgoHelper()
		counts := func() []int {
			out := make([]int, len(forbidden))
			for i, keep := range forbidden {
				out[i] = len(log.where(keep))
			}
			return out
		}
		before := counts()
		Consistently(counts).WithTimeout(quiet).Should(Equal(before), "requests of a forbidden rung after the wait:\n%s", log)
	}

	It("(a) may list and watch in its namespaces only: a refused cluster-wide list, then namespace informers", func(ctx SpecContext) {
		nsB := createNamespace(ctx, "degrade-rbac-b-")
		w3 := createWidget(ctx, nsB, "w3", "True", "w3 is ready")
		ids = append(ids, widgetID(w3))
		read := []rbacv1.PolicyRule{
			{APIGroups: []string{widgetGK.Group}, Resources: []string{"widgets"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}},
		}
		user := waiterUser(ctx, "degrade-a-"+nsA, map[string][]rbacv1.PolicyRule{nsA: read, nsB: read})

		// ScopeCluster makes the cluster-wide informer the first rung.
		firstSeen := runMixedWait(ctx, user, wait.Options{Scope: wait.ScopeCluster, PollInterval: pollInterval})
		allWidgets, allConfigMaps := "/apis/test.kwait.dev/v1/widgets", "/api/v1/configmaps"
		expectStopped(onPath(allWidgets), onPath(allConfigMaps))
		AddReportEntry("requests of a user with namespace Roles", log.String())
		AddReportEntry("time to see every resource", firstSeen.String())

		for _, all := range []string{allWidgets, allConfigMaps} {
			Expect(codes(log.where(onPath(all)))).To(Equal([]int{403}),
				"one refused cluster-wide list or watch of %s, nothing else:\n%s", all, log)
		}
		for _, path := range []string{widgetsPath(nsA), widgetsPath(nsB), configMapsPath(nsA)} {
			reqs := log.where(listOrWatchOf(path))
			Expect(reqs).NotTo(BeEmpty(), "a namespace informer on %s:\n%s", path, log)
			Expect(reqs).To(HaveEach(HaveField("Code", 200)), "namespace list/watch of %s:\n%s", path, log)
			Expect(reqs).To(HaveEach(HaveField("FieldSelector", "")), "namespace list/watch of %s:\n%s", path, log)
			Expect(log.where(func(r loggedRequest) bool { return listOrWatchOf(path)(r) && r.listing() })).To(HaveLen(1),
				"one list of %s:\n%s", path, log)
			Expect(log.where(func(r loggedRequest) bool { return listOrWatchOf(path)(r) && r.watching() })).To(HaveLen(1),
				"one watch of %s:\n%s", path, log)
		}
		Expect(log.where(func(r loggedRequest) bool { return r.FieldSelector != "" })).To(BeEmpty(),
			"no single-object informer below a rung that works:\n%s", log)
		By("asking each namespace only after the cluster-wide request was refused")
		all := log.all()
		for _, p := range [][2]string{{allWidgets, widgetsPath(nsA)}, {allWidgets, widgetsPath(nsB)}, {allConfigMaps, configMapsPath(nsA)}} {
			refused := indexWhere(all, onPath(p[0]))
			first := indexWhere(all, listOrWatchOf(p[1]))
			Expect(refused).To(BeNumerically("<", first), "%s asked before %s was refused:\n%s", p[1], p[0], describeRequests(all))
		}
	})

	It("(b) may read its objects by name only: a refused namespace list, then one informer per object", func(ctx SpecContext) {
		user := waiterUser(ctx, "degrade-b-"+nsA, map[string][]rbacv1.PolicyRule{nsA: {
			{APIGroups: []string{widgetGK.Group}, Resources: []string{"widgets"}, ResourceNames: []string{"w1", "w2"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"settings"}, Verbs: []string{"get", "list", "watch"}},
		}})

		// ObjectScopeThreshold -1 makes the namespace informer the first
		// rung, to see the move from it to one informer per object; by
		// default a wait on these few objects starts per object, see (e).
		firstSeen := runMixedWait(ctx, user, wait.Options{PollInterval: pollInterval, ObjectScopeThreshold: -1})
		expectStopped(collectionWide(widgetsPath(nsA)), collectionWide(configMapsPath(nsA)))
		AddReportEntry("requests of a user limited by resourceNames", log.String())
		AddReportEntry("time to see every resource", firstSeen.String())

		for path, names := range map[string][]string{widgetsPath(nsA): {"w1", "w2"}, configMapsPath(nsA): {"settings"}} {
			Expect(codes(log.where(collectionWide(path)))).To(Equal([]int{403}),
				"one refused namespace list or watch of %s, and none after it:\n%s", path, log)
			perObject := log.where(func(r loggedRequest) bool { return listOrWatchOf(path)(r) && r.FieldSelector != "" })
			var selectors []any
			for _, n := range names {
				selectors = append(selectors, nameSelector(n))
			}
			Expect(perObject).To(HaveEach(HaveField("FieldSelector", BeElementOf(selectors...))),
				"every list/watch of %s names one of %v:\n%s", path, names, log)
			Expect(perObject).To(HaveEach(HaveField("Code", 200)), "single-object list/watch of %s:\n%s", path, log)
			for _, n := range names {
				of := func(r loggedRequest) bool { return listOrWatchOf(path)(r) && r.FieldSelector == nameSelector(n) }
				Expect(log.where(func(r loggedRequest) bool { return of(r) && r.listing() })).To(HaveLen(1), "one list of %s %s:\n%s", path, n, log)
				Expect(log.where(func(r loggedRequest) bool { return of(r) && r.watching() })).To(HaveLen(1), "one watch of %s %s:\n%s", path, n, log)
			}
		}
		Expect(log.where(onPath("/apis/test.kwait.dev/v1/widgets"))).To(BeEmpty(), "nothing cluster-wide:\n%s", log)
		Expect(log.where(onPath("/api/v1/configmaps"))).To(BeEmpty(), "nothing cluster-wide:\n%s", log)
	})

	It("(c) may only get: refused list/watch requests, then polling with GET", func(ctx SpecContext) {
		// Widgets without resourceNames, the ConfigMap with: get alone
		// allows no list or watch either way.
		user := waiterUser(ctx, "degrade-c-"+nsA, map[string][]rbacv1.PolicyRule{nsA: {
			{APIGroups: []string{widgetGK.Group}, Resources: []string{"widgets"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"settings"}, Verbs: []string{"get"}},
		}})

		started := time.Now()
		// The namespace informer as the first rung, as in (b).
		firstSeen := runMixedWait(ctx, user, wait.Options{PollInterval: pollInterval, ObjectScopeThreshold: -1})
		elapsed := time.Since(started)
		expectStopped(listOrWatchOf(widgetsPath(nsA)), listOrWatchOf(configMapsPath(nsA)))
		AddReportEntry("requests of a user that may only get", log.String())
		AddReportEntry("time to see every resource", firstSeen.String())
		AddReportEntry("GETs while polling 3 objects every "+pollInterval.String(),
			fmt.Sprintf("%d in %s", len(log.where(func(r loggedRequest) bool { return r.Verb == verbGet })), elapsed.Round(time.Millisecond)))

		for path, names := range map[string][]string{widgetsPath(nsA): {"w1", "w2"}, configMapsPath(nsA): {"settings"}} {
			Expect(codes(log.where(collectionWide(path)))).To(Equal([]int{403}),
				"one refused namespace list or watch of %s:\n%s", path, log)
			for _, n := range names {
				perObject := log.where(func(r loggedRequest) bool { return listOrWatchOf(path)(r) && r.FieldSelector == nameSelector(n) })
				Expect(codes(perObject)).To(Or(BeEmpty(), Equal([]int{403})),
					"at most one single-object list or watch of %s %s, refused:\n%s", path, n, log)
			}
			gets := log.where(func(r loggedRequest) bool { return r.Path == path && r.Verb == verbGet })
			Expect(gets).NotTo(BeEmpty(), "polling of %s:\n%s", path, log)
			Expect(gets).To(HaveEach(HaveField("Code", 200)), "polling of %s:\n%s", path, log)
		}
		Expect(log.where(func(r loggedRequest) bool { return r.listOrWatch() && r.Code == 200 })).To(BeEmpty(),
			"no list or watch succeeded:\n%s", log)
	})

	It("(d) may read nothing: each resource Unknown with the Forbidden error, and an Aborted wait", func(ctx SpecContext) {
		user := waiterUser(ctx, "degrade-d-"+nsA, nil)
		// The namespace informer as the first rung, as in (b).
		r := newResolver(log.config(user), wait.Options{PollInterval: pollInterval, ObjectScopeThreshold: -1})
		waitCtx, cancel := context.WithCancel(ctx)
		DeferCleanup(cancel)
		events := r.WaitForStatus(waitCtx, ids)

		By("reporting every resource once, Unknown with the Forbidden error")
		var got []wait.Event
		for range ids {
			got = append(got, nextEvent(events))
		}
		Expect(updatesByResource(got)).To(HaveLen(len(ids)), "one update per resource:\n%s", describeEvents(got))
		for _, ev := range got {
			Expect(ev.Type).To(Equal(wait.ResourceUpdate), describeEvents(got))
			Expect(ev.EventResource.Status).To(Equal(status.UnknownStatus), describeEvents(got))
			Expect(apierrors.IsForbidden(ev.EventResource.Error)).To(BeTrue(), "a Forbidden error:\n%s", describeEvents(got))
		}
		expectQuiet(events, quiet, "nothing more while every read is refused")

		By("ending with Aborted when the context ends")
		cancel()
		got = append(got, collectEvents(events)...)
		AddReportEntry("events", describeEvents(got))
		AddReportEntry("requests of a user that may read nothing", log.String())
		checkContract(ids, got)
		Expect(finalOf(got[len(got)-1])).To(Equal(wait.Event{Type: wait.Aborted, AggregateStatus: status.InProgressStatus}), describeEvents(got))

		for _, path := range []string{widgetsPath(nsA), configMapsPath(nsA)} {
			reqs := log.where(onPath(path))
			Expect(reqs).To(HaveEach(HaveField("Code", 403)), "every read of %s refused:\n%s", path, log)
			Expect(codes(log.where(collectionWide(path)))).To(Equal([]int{403}), "one namespace list or watch of %s:\n%s", path, log)
		}
		for _, id := range ids {
			path := widgetsPath(nsA)
			if id.GroupKind == configMapGK {
				path = configMapsPath(nsA)
			}
			perObject := log.where(func(r loggedRequest) bool {
				return listOrWatchOf(path)(r) && r.FieldSelector == nameSelector(id.Name)
			})
			Expect(codes(perObject)).To(Or(BeEmpty(), Equal([]int{403})),
				"at most one single-object list or watch of %s, refused:\n%s", id.Name, log)
		}
	})

	It("(e) may read its objects by name only, with the default options: one informer per object from the start, nothing refused", func(ctx SpecContext) {
		user := waiterUser(ctx, "degrade-e-"+nsA, map[string][]rbacv1.PolicyRule{nsA: {
			{APIGroups: []string{widgetGK.Group}, Resources: []string{"widgets"}, ResourceNames: []string{"w1", "w2"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"settings"}, Verbs: []string{"get", "list", "watch"}},
		}})

		// Two Widgets and one ConfigMap in nsA: within the default
		// ObjectScopeThreshold, so each is watched by name at once.
		firstSeen := runMixedWait(ctx, user, wait.Options{PollInterval: pollInterval})
		AddReportEntry("requests of a user limited by resourceNames, default options", log.String())
		AddReportEntry("time to see every resource", firstSeen.String())

		Expect(log.where(func(r loggedRequest) bool { return r.Code != 200 && r.Verb != verbDiscovery })).To(BeEmpty(),
			"no refused request:\n%s", log)
		for path, names := range map[string][]string{widgetsPath(nsA): {"w1", "w2"}, configMapsPath(nsA): {"settings"}} {
			Expect(log.where(collectionWide(path))).To(BeEmpty(), "no list or watch of all of %s:\n%s", path, log)
			for _, n := range names {
				of := func(r loggedRequest) bool { return listOrWatchOf(path)(r) && r.FieldSelector == nameSelector(n) }
				Expect(log.where(func(r loggedRequest) bool { return of(r) && r.listing() })).To(HaveLen(1), "one list of %s %s:\n%s", path, n, log)
				Expect(log.where(func(r loggedRequest) bool { return of(r) && r.watching() })).To(HaveLen(1), "one watch of %s %s:\n%s", path, n, log)
			}
		}
		Expect(log.where(onPath("/apis/test.kwait.dev/v1/widgets"))).To(BeEmpty(), "nothing cluster-wide:\n%s", log)
		Expect(log.where(onPath("/api/v1/configmaps"))).To(BeEmpty(), "nothing cluster-wide:\n%s", log)
	})
})

// indexWhere returns the position of the first request keep keeps, or
// len(reqs) when none.
func indexWhere(reqs []loggedRequest, keep func(loggedRequest) bool) int {
	for i, r := range reqs {
		if keep(r) {
			return i
		}
	}
	return len(reqs)
}

func describeRequests(reqs []loggedRequest) string {
	var s string
	for i, r := range reqs {
		if r.Verb != verbDiscovery {
			s += fmt.Sprintf("  %3d %s\n", i, r)
		}
	}
	return s
}
