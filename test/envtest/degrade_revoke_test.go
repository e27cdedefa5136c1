package envtest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kwait-dev/kwait/status"
	"github.com/kwait-dev/kwait/wait"
)

// "Degrade, don't hang" when RBAC changes under a running resolver: list
// and watch revoked (the user's Role replaced by a get-only one) while a
// wait watches, or while its informer lingers for the next wait; and
// granted back.
//
// The API server authorizes a request when it starts: a watch that is
// already open goes on serving after its Role changed. Each spec makes the
// revoke take effect the way a connection loss or an API server restart
// would: the user reaches the API server through a loopback proxy
// (tcpProxy), and the spec cuts the proxy's connections after the revoke.
// The informer then lists or watches again, gets 403 Forbidden, and the
// wait must move down the ladder to polling (a GET per object) and keep
// judging the object by what the API server says now, never by the state
// the forbidden informer cached.
//
// A source that was refused must not be handed to the next wait (issue 9,
// defect 1), and the absence a poller finds must reach the wait even when
// that poller never saw the object (defect 2): these specs prove both on a
// real API server.
var _ = Describe("Degrade: list and watch revoked and granted back", func() {
	const (
		pollInterval = 200 * time.Millisecond
		// settle bounds each step that follows a cut: the reflector lists
		// again after its backoff (800ms at first), then the wait polls
		// every pollInterval.
		settle = 20 * time.Second
	)
	linger := 30 * time.Second

	var (
		u      *proxiedUser
		widget *unstructured.Unstructured
		ids    []wait.ResourceIdentifier
		ignore goleak.Option
	)

	BeforeEach(func(ctx SpecContext) {
		ns := createNamespace(ctx, "degrade-revoke-")
		u = newProxiedUser(ctx, ns, "degrade-revoke-"+ns, "get", "list", "watch")
		// No status: Current until a spec writes one.
		widget = createWidget(ctx, ns, "w", "", "")
		ids = []wait.ResourceIdentifier{widgetID(widget)}
		ignore = goleak.IgnoreCurrent()
	})

	// expectReadyThenCompleted checks that got is a valid stream ending with the
	// Widget Ready, then Completed.
	expectReadyThenCompleted := func(got []wait.Event) {
		GinkgoHelper()
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(seedOf(*got[len(got)-2].EventResource)).To(Equal(wait.EventResource{
			ResourceIdentifier: ids[0], Status: status.CurrentStatus, Message: "Resource is Ready",
		}), "the final transition:\n%s", describeEvents(got))
	}

	// startThenRevoke starts a wait through r on the Widget, not ready;
	// once the wait watches and has seen it, replaces the Role with a
	// get-only one and cuts the watch the API server keeps open. It
	// returns the wait's recorder, the channel its end closes, and the log
	// position of the cut.
	startThenRevoke := func(ctx context.Context, r *wait.Resolver) (*eventRecorder, <-chan struct{}, int) {
		GinkgoHelper()
		id := ids[0]
		setWidgetStatus(ctx, widget, widget.GetGeneration(), "False", "Test", "before the revoke")
		rec := &eventRecorder{}
		done := rec.record(r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids))
		printOnFailure(rec, u.log)
		Eventually(recorded(rec, isUpdate(id, status.InProgressStatus, "before the revoke"))).
			WithTimeout(eventTimeout).Should(BeTrue(), rec.String)
		Eventually(func() []loggedRequest { return u.log.where(u.watches) }).WithTimeout(eventTimeout).
			ShouldNot(BeEmpty(), "the wait watches before the revoke:\n%s", u.log)

		By("replacing the Role with a get-only one, and cutting the watch the API server keeps open")
		u.grant(ctx, "get")
		return rec, done, u.cut()
	}

	// revokeMidWait runs startThenRevoke, then, once the wait polls, makes
	// the Widget Ready. It returns the wait's events, which must end
	// Completed, and the log position of the cut.
	revokeMidWait := func(ctx context.Context, r *wait.Resolver) ([]wait.Event, int) {
		GinkgoHelper()
		rec, done, cut := startThenRevoke(ctx, r)

		By("polling once the informer's list or watch is refused")
		Eventually(func() []loggedRequest { return u.since(cut, u.gets) }).WithTimeout(settle).
			ShouldNot(BeEmpty(), func() string {
				return "no GET after the revoke; events:\n" + rec.String() + "requests since the cut:\n" + describeRuns(u.since(cut, anyRequest))
			})

		By("making the Widget Ready after the revoke")
		setWidgetStatus(ctx, widget, widget.GetGeneration(), "True", "Test", "ready after the revoke")
		Eventually(done).WithTimeout(settle).Should(BeClosed(), func() string {
			return "the wait did not end after the Ready write; events:\n" + rec.String() + "requests since the cut:\n" + describeRuns(u.since(cut, anyRequest))
		})
		got, _ := rec.events()
		expectReadyThenCompleted(got)
		Expect(u.since(cut, u.refused)).NotTo(BeEmpty(), "a list or watch refused after the revoke:\n%s", u.log)
		Expect(u.since(cut, u.listsOrWatches)).To(BeEmpty(), "no list or watch succeeded after the revoke:\n%s", u.log)
		Expect(withErrors(got)).To(BeEmpty(), "the 403 of a rung the wait moved past showed:\n%s", describeEvents(got))
		return got, cut
	}

	// completeThenRevoke completes a wait through r on the Widget, Ready,
	// by watching: its informer lingers, warm, for the next wait. It then
	// replaces the Role with a get-only one and cuts the informer's watch,
	// and returns, with the log position of the cut, once the lingering
	// informer's list or watch has been refused.
	completeThenRevoke := func(ctx context.Context, r *wait.Resolver) int {
		GinkgoHelper()
		setWidgetStatus(ctx, widget, widget.GetGeneration(), "True", "Test", "ready before the revoke")
		got := collectEvents(r.WaitForStatus(waitCtxFor(ctx, eventTimeout), ids))
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(u.log.where(u.watches)).NotTo(BeEmpty(), "the first wait watched:\n%s", u.log)

		By("replacing the Role with a get-only one, and cutting the lingering informer's watch")
		u.grant(ctx, "get")
		cut := u.cut()
		Eventually(func() []loggedRequest { return u.since(cut, u.refused) }).WithTimeout(settle).
			ShouldNot(BeEmpty(), func() string {
				return "the lingering informer did not list or watch again; requests since the cut:\n" + describeRuns(u.since(cut, anyRequest))
			})
		return cut
	}

	// expectNextWait changes the Widget to not ready with message msg and
	// runs a new wait through r: its first event must be that state (a
	// stale cache would say Ready and complete), and once the spec makes
	// the Widget Ready the wait must complete. It returns the wait's
	// events and the log position at which it started.
	expectNextWait := func(ctx context.Context, r *wait.Resolver, msg string) ([]wait.Event, int) {
		GinkgoHelper()
		id := ids[0]
		setWidgetStatus(ctx, widget, widget.GetGeneration(), "False", "Test", msg)
		start := len(u.log.all())
		rec := &eventRecorder{}
		done := rec.record(r.WaitForStatus(waitCtxFor(ctx, time.Minute), ids))
		printOnFailure(rec, u.log)
		Eventually(func() int { got, _ := rec.events(); return len(got) }).WithTimeout(eventTimeout).
			Should(BeNumerically(">", 0), "no event from the next wait")
		got, _ := rec.events()
		Expect(describeEvent(got[0])).To(Equal(describeEvent(wait.Event{
			Type:            wait.ResourceUpdate,
			AggregateStatus: status.InProgressStatus,
			EventResource:   &wait.EventResource{ResourceIdentifier: id, Status: status.InProgressStatus, Message: msg},
		})), "the next wait's first event must be the Widget's new state:\n%s", rec)

		By("making the Widget Ready")
		setWidgetStatus(ctx, widget, widget.GetGeneration(), "True", "Test", "ready at last")
		Eventually(done).WithTimeout(settle).Should(BeClosed(), func() string {
			return "the next wait did not end after the Ready write; events:\n" + rec.String() + "requests since it started:\n" + describeRuns(u.since(start, anyRequest))
		})
		got, _ = rec.events()
		expectReadyThenCompleted(got)
		return got, start
	}

	DescribeTable("(1) list and watch revoked mid-wait: the wait completes by polling",
		func(ctx SpecContext, opts wait.Options) {
			opts.PollInterval = pollInterval
			r := newResolver(u.cfg, opts)
			got, cut := revokeMidWait(ctx, r)
			AddReportEntry("events", describeEvents(got))
			AddReportEntry("requests since the cut", describeRuns(u.since(cut, anyRequest)))
			closeThroughAndExpectNoLeaks(r, u.proxy.Close, ignore)
		},
		Entry("on the informer of the one Widget (the default for a few objects)", SpecTimeout(time.Minute), wait.Options{}),
		Entry("on the namespace's informer", SpecTimeout(time.Minute), wait.Options{ObjectScopeThreshold: -1}),
	)

	It("(2) the same resolver's next wait after the revoke completes, and reports the object's new state", func(ctx SpecContext) {
		r := newResolver(u.cfg, wait.Options{PollInterval: pollInterval, Linger: &linger})
		cut := completeThenRevoke(ctx, r)

		By("changing the Widget after the revoke, and waiting again")
		got, _ := expectNextWait(ctx, r, "changed after the revoke")
		AddReportEntry("events", describeEvents(got))
		AddReportEntry("requests since the cut", describeRuns(u.since(cut, anyRequest)))
		Expect(u.since(cut, u.listsOrWatches)).To(BeEmpty(), "no list or watch succeeded after the revoke:\n%s", u.log)
		Expect(u.since(cut, u.gets)).NotTo(BeEmpty(), "the next wait polled:\n%s", u.log)
		closeThroughAndExpectNoLeaks(r, u.proxy.Close, ignore)
	}, SpecTimeout(time.Minute))

	DescribeTable("(3) access granted back: the next wait watches again",
		func(ctx SpecContext, revoke func(context.Context, *wait.Resolver)) {
			r := newResolver(u.cfg, wait.Options{PollInterval: pollInterval, Linger: &linger})
			revoke(ctx, r)

			By("granting list and watch again")
			u.grant(ctx, "get", "list", "watch")
			got, restored := expectNextWait(ctx, r, "changed after the restore")
			AddReportEntry("events", describeEvents(got))
			AddReportEntry("requests since the restore", describeRuns(u.since(restored, anyRequest)))
			Expect(u.since(restored, u.watches)).NotTo(BeEmpty(),
				"the next wait watches: a watch answered 200 after access was granted back; requests since:\n%s", describeRuns(u.since(restored, anyRequest)))
			closeThroughAndExpectNoLeaks(r, u.proxy.Close, ignore)
		},
		Entry("after a lingering informer was refused", SpecTimeout(time.Minute), func(ctx context.Context, r *wait.Resolver) {
			completeThenRevoke(ctx, r)
		}),
		Entry("after a wait moved to polling mid-wait", SpecTimeout(time.Minute), func(ctx context.Context, r *wait.Resolver) {
			revokeMidWait(ctx, r)
		}),
	)

	// The wait knew the Widget from its informer; the poller it moves to
	// has never seen it, and its first GET answers 404: a real absence,
	// which must not be taken for a cache that has not seen the object.
	It("(4b) list and watch revoked mid-wait, and the object deleted before the wait polls it: the wait completes", func(ctx SpecContext) {
		r := newResolver(u.cfg, wait.Options{PollInterval: pollInterval})
		rec, done, cut := startThenRevoke(ctx, r)

		By("deleting the Widget at once: the informer, its watch cut and its relist refused, never sees it")
		Expect(k8sClient.Delete(ctx, widget)).To(Succeed())
		Eventually(done).WithTimeout(settle).Should(BeClosed(), func() string {
			return "the wait did not end after the deletion; events:\n" + rec.String() + "requests since the cut:\n" + describeRuns(u.since(cut, anyRequest))
		})
		got, _ := rec.events()
		AddReportEntry("events", describeEvents(got))
		AddReportEntry("requests since the cut", describeRuns(u.since(cut, anyRequest)))
		checkContract(ids, got)
		Expect(got[len(got)-1].Type).To(Equal(wait.Completed), describeEvents(got))
		Expect(seedOf(*got[len(got)-2].EventResource)).To(Equal(wait.EventResource{
			ResourceIdentifier: ids[0], Status: status.CurrentStatus, Message: "Resource has been deleted",
		}), "the final transition:\n%s", describeEvents(got))
		Expect(u.since(cut, widgetGets(u.ns, 404))).NotTo(BeEmpty(), "a polled GET found the Widget gone:\n%s", u.log)
		Expect(u.since(cut, u.listsOrWatches)).To(BeEmpty(), "no list or watch succeeded after the revoke:\n%s", u.log)
		closeThroughAndExpectNoLeaks(r, u.proxy.Close, ignore)
	}, SpecTimeout(time.Minute))
})

// proxiedUser is an envtest user whose Role in ns grants verbs on Widgets,
// and whose requests go through a proxy the spec can cut, logged.
type proxiedUser struct {
	name, ns string
	proxy    *tcpProxy
	log      *requestLog
	// cfg is the user's config: through proxy, logged by log.
	cfg *rest.Config
}

func newProxiedUser(ctx context.Context, ns, name string, verbs ...string) *proxiedUser {
	GinkgoHelper()
	user := waiterUser(ctx, name, map[string][]rbacv1.PolicyRule{ns: widgetRules(verbs...)})
	u := &proxiedUser{name: name, ns: ns, proxy: newTCPProxy(user), log: &requestLog{}}
	u.cfg = u.log.config(u.proxy.config(user))
	return u
}

// widgetRules grants verbs on Widgets.
func widgetRules(verbs ...string) []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{{APIGroups: []string{widgetGK.Group}, Resources: []string{"widgets"}, Verbs: verbs}}
}

// grant replaces the rules of u's Role (waiterUser's, same name and
// binding) with verbs on Widgets, and waits until the API server's
// authorizer, which reads Roles from an informer, allows exactly those of
// get, list and watch.
func (u *proxiedUser) grant(ctx context.Context, verbs ...string) {
	GinkgoHelper()
	role := &rbacv1.Role{}
	Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: u.ns, Name: "kwait-waiter"}, role)).To(Succeed())
	role.Rules = widgetRules(verbs...)
	Expect(k8sClient.Update(ctx, role)).To(Succeed())
	for _, verb := range []string{"get", "list", "watch"} {
		want := slices.Contains(verbs, verb)
		Eventually(func(g Gomega) bool {
			review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: u.name,
				ResourceAttributes: &authorizationv1.ResourceAttributes{
					Namespace: u.ns, Verb: verb, Group: widgetGK.Group, Resource: "widgets",
				},
			}}
			g.Expect(k8sClient.Create(ctx, review)).To(Succeed())
			return review.Status.Allowed
		}).WithContext(ctx).WithTimeout(10*time.Second).WithPolling(20*time.Millisecond).Should(Equal(want),
			"%s may %s widgets in %s: %t", u.name, verb, u.ns, want)
	}
}

// cut ends every connection of u to the API server and returns the log
// position at that moment: the requests after it were sent on new
// connections, authorized by the Role as it is now.
func (u *proxiedUser) cut() int {
	n := len(u.log.all())
	u.proxy.Cut()
	return n
}

// since returns the requests after the first n that keep keeps.
func (u *proxiedUser) since(n int, keep func(loggedRequest) bool) []loggedRequest {
	var out []loggedRequest
	for _, r := range u.log.all()[n:] {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// Predicates on the requests of u's Widgets, for where and since.
func (u *proxiedUser) watches(r loggedRequest) bool {
	return listOrWatchOf(widgetsPath(u.ns))(r) && r.watching() && r.Code == 200
}

func (u *proxiedUser) listsOrWatches(r loggedRequest) bool {
	return listOrWatchOf(widgetsPath(u.ns))(r) && r.Code == 200
}

func (u *proxiedUser) refused(r loggedRequest) bool {
	return listOrWatchOf(widgetsPath(u.ns))(r) && r.Code == 403
}

func (u *proxiedUser) gets(r loggedRequest) bool { return widgetGets(u.ns, 200)(r) }

// widgetGets keeps the GETs of Widgets in ns answered with code.
func widgetGets(ns string, code int) func(loggedRequest) bool {
	return func(r loggedRequest) bool { return r.Path == widgetsPath(ns) && r.Verb == verbGet && r.Code == code }
}

// anyRequest keeps every request.
func anyRequest(loggedRequest) bool { return true }

// recorded returns, for Eventually, whether rec holds an event that match
// accepts.
func recorded(rec *eventRecorder, match func(wait.Event) bool) func() bool {
	return func() bool {
		got, _ := rec.events()
		return slices.ContainsFunc(got, match)
	}
}

// printOnFailure writes rec's events and log's requests to GinkgoWriter if
// the spec fails.
func printOnFailure(rec *eventRecorder, log *requestLog) {
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("events of the wait:\n%s\nrequests, in the order answered:\n%s", rec, describeRuns(log.all()))
		}
	})
}

// describeRuns lists reqs one per line, discovery included, in order,
// with a run of the same request and answer (polling) on one line.
func describeRuns(reqs []loggedRequest) string {
	var b strings.Builder
	for i := 0; i < len(reqs); {
		j := i + 1
		for j < len(reqs) && reqs[j] == reqs[i] {
			j++
		}
		fmt.Fprintf(&b, "  %3d %s", i, reqs[i])
		if j-i > 1 {
			fmt.Fprintf(&b, " (×%d)", j-i)
		}
		b.WriteString("\n")
		i = j
	}
	return b.String()
}

// closeThroughAndExpectNoLeaks closes r, then ends the connections of its
// HTTP transport with closeConns (they would stay open, idle, and their
// goroutines with them), and checks that nothing started since ignore
// outlives them.
func closeThroughAndExpectNoLeaks(r *wait.Resolver, closeConns func(), ignore goleak.Option) {
	GinkgoHelper()
	r.Close()
	closeConns()
	closeAndExpectNoLeaks(r, ignore)
}
