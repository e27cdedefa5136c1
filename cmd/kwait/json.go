package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/kwait-dev/kwait/wait"
)

// jsonView writes one JSON object per event, on one line each (NDJSON).
type jsonView struct {
	w   io.Writer
	t   *tracker
	enc *json.Encoder
}

// jsonEvent is one line of -o json. Type is the event's type
// (ResourceUpdate, Completed, Aborted, Failed); the resource's fields are
// set for ResourceUpdate and Failed, Cause and Unmet for Aborted and
// Failed.
type jsonEvent struct {
	Type      wait.EventType `json:"type"`
	Time      string         `json:"time"`
	Elapsed   float64        `json:"elapsed"`
	Group     string         `json:"group,omitempty"`
	Kind      string         `json:"kind,omitempty"`
	Namespace string         `json:"namespace,omitempty"`
	Name      string         `json:"name,omitempty"`
	Status    string         `json:"status,omitempty"`
	Message   string         `json:"message,omitempty"`
	Error     string         `json:"error,omitempty"`
	Met       *bool          `json:"met,omitempty"`
	Aggregate string         `json:"aggregate"`
	Goal      string         `json:"goal"`
	Progress  jsonProgress   `json:"progress"`
	Cause     string         `json:"cause,omitempty"`
	Unmet     []jsonResource `json:"unmet,omitempty"`
}

type jsonProgress struct {
	Total    int `json:"total"`
	Observed int `json:"observed"`
	Met      int `json:"met"`
}

type jsonResource struct {
	Group     string `json:"group,omitempty"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Observed  bool   `json:"observed"`
	Status    string `json:"status,omitempty"`
	Message   string `json:"message,omitempty"`
	Error     string `json:"error,omitempty"`
}

func (v *jsonView) start()             { v.enc = json.NewEncoder(v.w) }
func (v *jsonView) tick(time.Duration) {}
func (v *jsonView) abandon()           {}

func (v *jsonView) event(ev wait.Event, elapsed time.Duration) {
	if ev.Type == wait.ResourceUpdate {
		v.write(v.line(ev, elapsed, nil))
	}
}

func (v *jsonView) end(ev wait.Event, elapsed time.Duration, report *wait.NotMetError) {
	v.write(v.line(ev, elapsed, report))
}

func (v *jsonView) line(ev wait.Event, elapsed time.Duration, report *wait.NotMetError) jsonEvent {
	j := jsonEvent{
		Type:      ev.Type,
		Time:      time.Now().UTC().Format(time.RFC3339Nano),
		Elapsed:   float64(elapsed.Milliseconds()) / 1000,
		Aggregate: string(ev.AggregateStatus),
		Goal:      v.t.goal.String(),
		Progress:  jsonProgress{Total: ev.Progress.Total, Observed: ev.Progress.Observed, Met: ev.Progress.Met},
	}
	if er := ev.EventResource; er != nil {
		id := er.ResourceIdentifier
		j.Group, j.Kind, j.Namespace, j.Name = id.GroupKind.Group, id.GroupKind.Kind, id.Namespace, id.Name
		j.Status, j.Message = string(er.Status), er.Message
		if er.Error != nil {
			j.Error = er.Error.Error()
		}
		j.Met = &er.Met
	}
	if report != nil {
		if report.Cause != nil {
			j.Cause = report.Cause.Error()
		}
		for _, r := range report.Unmet {
			u := jsonResource{
				Group: r.GroupKind.Group, Kind: r.GroupKind.Kind, Namespace: r.Namespace, Name: r.Name,
				Observed: r.Observed, Status: string(r.Status), Message: r.Message,
			}
			if r.Error != nil {
				u.Error = r.Error.Error()
			}
			j.Unmet = append(j.Unmet, u)
		}
	}
	return j
}

func (v *jsonView) write(j jsonEvent) {
	if v.enc == nil {
		v.start()
	}
	_ = v.enc.Encode(j) // a closed stdout cannot be reported anywhere better
}
