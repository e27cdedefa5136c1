// Command kwait waits until Kubernetes resources, given as manifests or as
// TYPE/NAME, meet a goal (kstatus Current by default), showing their
// status as it changes; its exit code says how the wait ended.
//
//	kubectl apply -f app/ && kwait -f app/
//	kwait deployment/api --for=condition=Available
//	kwait -f app/ --for=delete
//
// Exit codes: 0 every resource met the goal; 1 timeout (the unmet
// resources are named on stderr); 2 usage or input error, nothing waited
// on; 3 --fail-fast stopped on a Failed resource; 130 interrupted.
package main

import (
	"context"
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(run(context.Background(), os.Args[1:], streams))
}
