package deployments

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// The Kubernetes manifests: one replica, and the three-node cluster.
const (
	singleDir  = "kubernetes"
	clusterDir = "kubernetes/cluster"
)

// manifests holds the decoded Kubernetes objects of one manifest folder.
type manifests struct {
	sets     []appsv1.StatefulSet
	services []corev1.Service
	secrets  []corev1.Secret
	budgets  []policyv1.PodDisruptionBudget
	files    []string // manifest files, kustomization.yaml aside
}

// loadManifests decodes every document of every manifest of dir (under
// deployments/) with the Kubernetes API types, strictly: an unknown or
// misspelt field fails.
func loadManifests(t *testing.T, dir string) manifests {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no manifests in %s/: %v", dir, err)
	}
	var m manifests
	for _, p := range paths {
		if filepath.Base(p) == "kustomization.yaml" {
			continue
		}
		m.files = append(m.files, filepath.Base(p))
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(readFile(t, filepath.Join("deployments", p))), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
				t.Fatalf("%s #%d: %v", p, i, err)
			}
			var obj any
			switch tm.APIVersion + "/" + tm.Kind {
			case "apps/v1/StatefulSet":
				m.sets = append(m.sets, appsv1.StatefulSet{})
				obj = &m.sets[len(m.sets)-1]
			case "v1/Service":
				m.services = append(m.services, corev1.Service{})
				obj = &m.services[len(m.services)-1]
			case "v1/Secret":
				m.secrets = append(m.secrets, corev1.Secret{})
				obj = &m.secrets[len(m.secrets)-1]
			case "policy/v1/PodDisruptionBudget":
				m.budgets = append(m.budgets, policyv1.PodDisruptionBudget{})
				obj = &m.budgets[len(m.budgets)-1]
			default:
				t.Fatalf("%s #%d: unexpected %s %s", p, i, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Fatalf("%s #%d: %v", p, i, err)
			}
		}
	}
	if len(m.sets) != 1 {
		t.Fatalf("%s: %d StatefulSets, want one", dir, len(m.sets))
	}
	return m
}

// service returns the Service of that name.
func (m manifests) service(t *testing.T, name string) corev1.Service {
	t.Helper()
	for _, s := range m.services {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no Service %q among the manifests", name)
	return corev1.Service{}
}

// containerEnv returns the plain env values of a container.
func containerEnv(c corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	return env
}

func TestKustomizationListsEveryManifest(t *testing.T) {
	for _, dir := range []string{singleDir, clusterDir} {
		m := loadManifests(t, dir)
		var k struct {
			Resources []string `json:"resources"`
		}
		if err := yaml.Unmarshal(readFile(t, filepath.Join("deployments", dir, "kustomization.yaml")), &k); err != nil {
			t.Fatal(err)
		}
		slices.Sort(k.Resources)
		if !slices.Equal(k.Resources, m.files) {
			t.Errorf("%s: kustomization resources %v, manifest files %v", dir, k.Resources, m.files)
		}
	}
}

func TestStatefulSet(t *testing.T) {
	m := loadManifests(t, singleDir)
	if len(m.services) != 1 {
		t.Fatalf("%d Services, want one", len(m.services))
	}
	set := m.sets[0]
	t.Run("one replica behind its service", func(t *testing.T) {
		if set.Spec.Replicas == nil || *set.Spec.Replicas != 1 {
			t.Errorf("replicas %s, want 1: a profile is tied to one machine", deref(set.Spec.Replicas))
		}
		if set.Spec.ServiceName != m.services[0].Name {
			t.Errorf("serviceName %q, want the Service %q", set.Spec.ServiceName, m.services[0].Name)
		}
	})
	checkServerPods(t, m)
}

// checkServerPods checks what every easy-api StatefulSet needs: services
// that reach its pods, data on the claim, probes on real routes, a grace
// period for the graceful stop, non-root, the key from a Secret, memory
// sized from the benchmark.
func checkServerPods(t *testing.T, m manifests) {
	set := m.sets[0]
	pod := set.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	env := containerEnv(c)
	routes := serverRoutes(t)

	t.Run("services select the pods", func(t *testing.T) {
		sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
		if err != nil {
			t.Fatal(err)
		}
		if !sel.Matches(labels.Set(set.Spec.Template.Labels)) {
			t.Errorf("selector %v does not match the pod labels %v", set.Spec.Selector, set.Spec.Template.Labels)
		}
		for _, svc := range m.services {
			for k, v := range svc.Spec.Selector {
				if set.Spec.Template.Labels[k] != v {
					t.Errorf("Service %s selects %s=%s, the pods do not carry it", svc.Name, k, v)
				}
			}
		}
	})

	t.Run("session data path on the volume claim", func(t *testing.T) {
		path := env["EASY_API_SESSION_DATA_PATH"]
		if path == "" {
			t.Fatal("EASY_API_SESSION_DATA_PATH is not set (the default, the working directory, is not on the volume)")
		}
		claims := map[string]bool{}
		for _, vct := range set.Spec.VolumeClaimTemplates {
			claims[vct.Name] = true
		}
		var mounted bool
		for _, vm := range c.VolumeMounts {
			if vm.MountPath == path {
				mounted = claims[vm.Name]
				if !mounted {
					t.Errorf("%s is mounted from %q, not from a volumeClaimTemplate", path, vm.Name)
				}
			}
		}
		if !mounted {
			t.Errorf("nothing is mounted at the session data path %s", path)
		}
	})

	t.Run("ports agree", func(t *testing.T) {
		port := env["EASY_API_PORT"]
		if port == "" {
			port = stringDefault(t, "port")
		}
		if env["EASY_API_HOST"] != "0.0.0.0" {
			t.Errorf("EASY_API_HOST=%q, want 0.0.0.0", env["EASY_API_HOST"])
		}
		if len(c.Ports) == 0 || c.Ports[0].Name != "http" || strconv.Itoa(int(c.Ports[0].ContainerPort)) != port {
			t.Fatalf("container ports %v, want the first, http, on %s (EASY_API_PORT)", c.Ports, port)
		}
		for _, svc := range m.services {
			for _, sp := range svc.Spec.Ports {
				if got := resolvePort(t, c, sp.TargetPort); got != c.Ports[0].ContainerPort && sp.Name == "http" {
					t.Errorf("Service %s port %s targets %d, the API listens on %d", svc.Name, sp.Name, got, c.Ports[0].ContainerPort)
				}
			}
		}
	})

	t.Run("probes hit real routes", func(t *testing.T) {
		for name, tc := range map[string]struct {
			probe *corev1.Probe
			path  string
		}{
			"startup":   {c.StartupProbe, "/healthz"},
			"liveness":  {c.LivenessProbe, "/healthz"},
			"readiness": {c.ReadinessProbe, "/readyz"},
		} {
			if tc.probe == nil || tc.probe.HTTPGet == nil {
				t.Errorf("%s probe: want an HTTP GET of %s", name, tc.path)
				continue
			}
			g := tc.probe.HTTPGet
			if g.Path != tc.path || !routes[g.Path] {
				t.Errorf("%s probe path %q, want %s (a route of internal/api)", name, g.Path, tc.path)
			}
			if got := resolvePort(t, c, g.Port); got != c.Ports[0].ContainerPort {
				t.Errorf("%s probe port %d, the server listens on %d", name, got, c.Ports[0].ContainerPort)
			}
		}
	})

	t.Run("grace period covers the graceful shutdown", func(t *testing.T) {
		bound := shutdownBound(t, env)
		if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second < bound {
			t.Errorf("terminationGracePeriodSeconds %s, want ≥ %v (shutdown timeout, HTTP drain, webhook flush, store close)", deref(g), bound)
		}
	})

	t.Run("non-root, as the image", func(t *testing.T) {
		uid, gid := imageUser(t)
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Fatal("pod securityContext.runAsNonRoot is not true")
		}
		if psc.RunAsUser == nil || *psc.RunAsUser != uid || psc.RunAsGroup == nil || *psc.RunAsGroup != gid {
			t.Errorf("runAsUser/runAsGroup %s/%s, want the image's %d/%d", deref(psc.RunAsUser), deref(psc.RunAsGroup), uid, gid)
		}
		if psc.FSGroup == nil || *psc.FSGroup != gid {
			t.Errorf("fsGroup %s, want %d so the volume is writable", deref(psc.FSGroup), gid)
		}
		csc := c.SecurityContext
		if csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
			t.Error("container securityContext.allowPrivilegeEscalation is not false")
		}
		if csc == nil || csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") {
			t.Error("container does not drop ALL capabilities")
		}
	})

	t.Run("api key from the secret", func(t *testing.T) {
		var ref *corev1.SecretKeySelector
		for _, e := range c.Env {
			if e.Name == "EASY_API_API_KEY" && e.ValueFrom != nil {
				ref = e.ValueFrom.SecretKeyRef
			}
		}
		if ref == nil {
			t.Fatal("EASY_API_API_KEY does not come from a secretKeyRef")
		}
		for _, s := range m.secrets {
			if s.Name == ref.Name {
				if _, ok := s.StringData[ref.Key]; !ok {
					t.Errorf("Secret %s has no key %s", s.Name, ref.Key)
				}
				return
			}
		}
		t.Errorf("no Secret %s among the manifests", ref.Name)
	})

	t.Run("resources sized from the benchmark", func(t *testing.T) {
		n, err := strconv.Atoi(set.Annotations["easy-api/sessions"])
		if err != nil || n <= 0 {
			t.Fatalf("annotation easy-api/sessions=%q: want the session count the requests are sized for", set.Annotations["easy-api/sessions"])
		}
		// The formula in statefulset.yaml: Go server + sessions × PSS.
		want := resource.MustParse(strconv.Itoa(30+n*70) + "Mi")
		req, lim := c.Resources.Requests[corev1.ResourceMemory], c.Resources.Limits[corev1.ResourceMemory]
		if req.Cmp(want) < 0 {
			t.Errorf("memory request %s for %d sessions, want ≥ %s (30Mi + %d × 70Mi)", req.String(), n, want.String(), n)
		}
		if lim.Cmp(req) <= 0 {
			t.Errorf("memory limit %s, want above the request %s (room for growth and launches)", lim.String(), req.String())
		}
		if _, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
			t.Error("a CPU limit throttles the browsers until heartbeats miss; set only a request")
		}
		if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
			t.Error("no CPU request")
		}
	})
}

// resolvePort returns the container port a Service targetPort or probe port
// names.
func resolvePort(t *testing.T, c corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	t.Errorf("port %q is not a named port of the container", p.StrVal)
	return 0
}

// imageUser returns the uid and gid of the Dockerfile's runtime USER.
func imageUser(t *testing.T) (int64, int64) {
	t.Helper()
	stages := dockerfile(t)
	u := words(stages[len(stages)-1].one(t, "user"))[0]
	uid, gid, _ := strings.Cut(u, ":")
	a, err1 := strconv.ParseInt(uid, 10, 64)
	b, err2 := strconv.ParseInt(gid, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("USER %s is not numeric uid:gid", u)
	}
	return a, b
}

// deref formats an optional number of a manifest.
func deref[T int32 | int64](p *T) string {
	if p == nil {
		return "unset"
	}
	return strconv.FormatInt(int64(*p), 10)
}
