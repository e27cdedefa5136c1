package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/kwait-dev/kwait/wait"
)

// options are kwait's flags and arguments, as parsed.
type options struct {
	config   *genericclioptions.ConfigFlags
	files    *genericclioptions.FileNameFlags
	selector string
	forGoals []string
	timeout  time.Duration
	output   string
	failFast bool
	args     []string

	streams genericiooptions.IOStreams
}

// settings are what kwait runs with once options are checked.
type settings struct {
	goal     wait.Goal
	forSpec  string
	output   string
	timeout  time.Duration
	failFast bool
}

const (
	outputAuto  = "auto"
	outputPlain = "plain"
	outputJSON  = "json"
)

const example = `  # Apply manifests, then wait until every resource they hold is Current (kstatus)
  kubectl apply -f app/ && kwait -f app/

  # Wait for a Deployment's Available condition
  kwait deployment/api --for=condition=Available

  # Wait until the resources of the manifests are gone
  kwait -f app/ --for=delete

  # Manifests from stdin, JSON lines for a program, stop on the first Failed resource
  helm template app | kwait -f - -o json --fail-fast`

// newCommand builds the kwait command; run executes it.
func newCommand(streams genericiooptions.IOStreams, exec func(context.Context, *options, settings) error) *cobra.Command {
	o := &options{
		config:  genericclioptions.NewConfigFlags(true),
		files:   &genericclioptions.FileNameFlags{Usage: "manifests of the resources to wait for", Filenames: &[]string{}, Recursive: new(bool)},
		streams: streams,
	}
	cmd := &cobra.Command{
		Use:   "kwait [-f FILE|DIR|-]... [-R] [TYPE/NAME ...] [-n NS] [--for=GOAL] [--timeout=5m] [-o auto|plain|json] [--fail-fast]",
		Short: "Wait until Kubernetes resources are ready, and say which are not",
		Long: `kwait waits until every resource given meets the goal of --for (kstatus Current by
default), showing each resource's status as it changes: a live table on a terminal,
one line per event otherwise (-o plain), or one JSON object per event (-o json).

Exit codes: 0 every resource met the goal; 1 timeout, and stderr names each unmet
resource with its status and message; 2 usage or input error (nothing waited on);
3 --fail-fast stopped on a Failed resource; 130 interrupted (the pending resources
are named on stderr).`,
		Example:       example,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.args = args
			s, err := o.settings()
			if err != nil {
				return err
			}
			return exec(cmd.Context(), o, s)
		},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })

	fs := cmd.Flags()
	fs.SortFlags = false
	o.files.AddFlags(fs)
	fs.StringVarP(&o.selector, "selector", "l", "", "selector (label query) to filter on, as in kubectl: -l app=api")
	fs.StringArrayVar(&o.forGoals, "for", nil, "the goal: "+forUsage+" (default current)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "how long to wait before giving up (exit 1)")
	fs.StringVarP(&o.output, "output", "o", outputAuto, "auto (a live table on a terminal, else plain), plain (one line per event) or json (one JSON object per event)")
	fs.BoolVar(&o.failFast, "fail-fast", false, "stop as soon as a resource is Failed (exit 3)")
	o.config.AddFlags(fs)
	addVerbosityFlag(fs)
	return cmd
}

// settings checks the flags that need no cluster.
func (o *options) settings() (settings, error) {
	s := settings{output: o.output, timeout: o.timeout, failFast: o.failFast, forSpec: "current"}
	switch len(o.forGoals) {
	case 0:
	case 1:
		s.forSpec = o.forGoals[0]
	default:
		return s, usagef("--for is given %d times: kwait waits for one goal", len(o.forGoals))
	}
	g, err := parseFor(s.forSpec)
	if err != nil {
		return s, &usageError{fmt.Errorf("--for: %w", err)}
	}
	s.goal = g
	switch o.output {
	case outputAuto, outputPlain, outputJSON:
	default:
		return s, usagef("-o/--output: unknown value %q: want auto, plain or json", o.output)
	}
	if o.timeout <= 0 {
		return s, usagef("--timeout: %s is not a positive duration", o.timeout)
	}
	return s, nil
}

// addVerbosityFlag adds klog's -v, as kubectl has it: -v=6 logs each API
// request.
func addVerbosityFlag(fs *pflag.FlagSet) {
	gfs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(gfs)
	v := pflag.PFlagFromGoFlag(gfs.Lookup("v"))
	v.Shorthand = "v"
	v.Usage = "log level: 6 logs each API request to stderr"
	fs.AddFlag(v)
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// run parses args, waits, and returns the exit code.
func run(ctx context.Context, args []string, streams genericiooptions.IOStreams) int {
	cmd := newCommand(streams, execute)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitMet
	}
	var ex *exitError
	if errors.As(err, &ex) {
		return ex.code
	}
	fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
	if isUsage(err) {
		fmt.Fprintln(streams.ErrOut, "See 'kwait --help' for usage.")
		return exitUsage
	}
	return exitNotMet
}

// exitError ends kwait with code once its report is written.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }
