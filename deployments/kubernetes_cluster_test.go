package deployments

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestClusterStatefulSet checks the three-node cluster of
// deployments/kubernetes/cluster: pods that find each other before they are
// ready, a disruption budget that keeps quorum, nodes named after their pods.
func TestClusterStatefulSet(t *testing.T) {
	m := loadManifests(t, clusterDir)
	set := m.sets[0]
	c := set.Spec.Template.Spec.Containers[0]
	env := containerEnv(c)
	headless := m.service(t, set.Spec.ServiceName)
	replicas := int32(0)
	if set.Spec.Replicas != nil {
		replicas = *set.Spec.Replicas
	}

	t.Run("three replicas, started together", func(t *testing.T) {
		if replicas != 3 {
			t.Errorf("replicas %d, want 3 (an odd number for quorum, R3)", replicas)
		}
		if env["EASY_API_REPLICAS"] != strconv.Itoa(int(replicas)) {
			t.Errorf("EASY_API_REPLICAS=%q with %d replicas: each node should hold a copy", env["EASY_API_REPLICAS"], replicas)
		}
		// A pod is ready only with quorum, which needs its peers: pods
		// started one after the other would wait forever for pod 0.
		if set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
			t.Errorf("podManagementPolicy %q, want Parallel", set.Spec.PodManagementPolicy)
		}
	})

	t.Run("headless service for the routes", func(t *testing.T) {
		if headless.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("governing Service %s has clusterIP %q, want None (stable pod names)", headless.Name, headless.Spec.ClusterIP)
		}
		if !headless.Spec.PublishNotReadyAddresses {
			t.Error("the headless Service does not publish not-ready pods: their routes could never form quorum")
		}
		want := map[string]int32{"cluster": hostPort(t, env["EASY_API_CLUSTER_LISTEN"]), "http": c.Ports[0].ContainerPort}
		for name, port := range want {
			i := slices.IndexFunc(headless.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == name })
			if i < 0 {
				t.Errorf("the headless Service has no %s port", name)
				continue
			}
			if got := resolvePort(t, c, headless.Spec.Ports[i].TargetPort); got != port {
				t.Errorf("headless port %s targets %d, the server listens on %d", name, got, port)
			}
		}
	})

	t.Run("every pod is a peer", func(t *testing.T) {
		var want []string
		for i := range replicas {
			want = append(want, fmt.Sprintf("nats://%s-%d.%s:%d", set.Name, i, headless.Name, hostPort(t, env["EASY_API_CLUSTER_LISTEN"])))
		}
		if got := strings.Split(env["EASY_API_CLUSTER_PEERS"], ","); !slices.Equal(got, want) {
			t.Errorf("EASY_API_CLUSTER_PEERS %v, want %v", got, want)
		}
		if env["EASY_API_CLUSTER_NAME"] == "" {
			t.Error("no EASY_API_CLUSTER_NAME")
		}
	})

	t.Run("nodes named and reached by their pod", func(t *testing.T) {
		var fromPod bool
		for _, e := range c.Env {
			if e.Name == "POD_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.name" {
				fromPod = true
			}
		}
		if !fromPod || env["EASY_API_NODE_NAME"] != "$(POD_NAME)" {
			t.Errorf("EASY_API_NODE_NAME=%q (POD_NAME from metadata.name: %v), want the pod's name", env["EASY_API_NODE_NAME"], fromPod)
		}
		u, err := url.Parse(env["EASY_API_ADVERTISE_URL"])
		if err != nil || u.Scheme != "http" || u.Hostname() != "$(POD_NAME)."+headless.Name || u.Port() != env["EASY_API_PORT"] {
			t.Errorf("EASY_API_ADVERTISE_URL=%q, want http://$(POD_NAME).%s:%s (the pod's stable name, the API port)",
				env["EASY_API_ADVERTISE_URL"], headless.Name, env["EASY_API_PORT"])
		}
	})

	t.Run("clients reach any node", func(t *testing.T) {
		api := m.service(t, "easy-api")
		if api.Spec.ClusterIP == corev1.ClusterIPNone || api.Spec.PublishNotReadyAddresses {
			t.Error("the API Service must send clients to ready pods only")
		}
	})

	t.Run("disruptions keep quorum", func(t *testing.T) {
		if len(m.budgets) != 1 {
			t.Fatalf("%d PodDisruptionBudgets, want one", len(m.budgets))
		}
		pdb := m.budgets[0]
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(set.Spec.Template.Labels)) {
			t.Errorf("the budget's selector %v does not select the pods (%v)", pdb.Spec.Selector, err)
		}
		quorum := int(replicas)/2 + 1
		down := int(replicas) - quorum + 1 // what would lose quorum
		if mu := pdb.Spec.MaxUnavailable; mu == nil || mu.Type != intstr.Int || mu.IntValue() >= down || mu.IntValue() < 1 {
			t.Errorf("maxUnavailable %v, want 1 to %d: %d of %d nodes keep quorum", mu, down-1, quorum, replicas)
		}
	})

	t.Run("sized for its max sessions", func(t *testing.T) {
		if n := set.Annotations["easy-api/sessions"]; n != env["EASY_API_MAX_SESSIONS"] {
			t.Errorf("sized for %s sessions, EASY_API_MAX_SESSIONS=%q: a node must never take more than it is sized for", n, env["EASY_API_MAX_SESSIONS"])
		}
	})

	t.Run("liveness survives a partition", func(t *testing.T) {
		if g := c.LivenessProbe; g == nil || g.HTTPGet == nil || g.HTTPGet.Path == "/readyz" {
			t.Error("liveness must not be /readyz: without quorum a node is not ready, and restarting it only loses its sessions sooner")
		}
	})

	checkServerPods(t, m)
}

// hostPort returns the port of a HOST:PORT setting.
func hostPort(t *testing.T, hp string) int32 {
	t.Helper()
	i := strings.LastIndex(hp, ":")
	p, err := strconv.Atoi(hp[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("%q is not HOST:PORT", hp)
	}
	return int32(p)
}
