// kubecheck - offline validation of rendered Kubernetes manifests.
//
// kubeconform would validate against the Kubernetes JSON schemas, but it
// downloads them from GitHub, which this machine cannot reach. This program
// gets the same kind of assurance from the Kubernetes API types themselves
// (k8s.io/api, fetched once through the Go module proxy): every document is
// decoded strictly into its typed object, so an unknown or misplaced field, a
// wrong type, a bad quantity ("512MB") or an unknown kind is an error. On top
// of that it checks what the API server would refuse or what would silently
// not work: names, labels, port names, env var names, a Deployment's selector
// matching its pod labels, volume mounts naming volumes, probes naming ports,
// and the references between objects (a Service selecting no pod, a
// targetPort no pod exposes, an Ingress, HPA, PDB or ServiceMonitor pointing
// at nothing, a ConfigMap or Secret volume/env reference that is not
// rendered, unless it is listed with -external).
//
// usage: kubecheck [-external name,name] manifests.yaml...
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type object interface{ GetName() string }

func newObject(apiVersion, kind string) (object, error) {
	switch apiVersion + "/" + kind {
	case "v1/ConfigMap":
		return &corev1.ConfigMap{}, nil
	case "v1/Secret":
		return &corev1.Secret{}, nil
	case "v1/Service":
		return &corev1.Service{}, nil
	case "v1/ServiceAccount":
		return &corev1.ServiceAccount{}, nil
	case "apps/v1/Deployment":
		return &appsv1.Deployment{}, nil
	case "networking.k8s.io/v1/Ingress":
		return &networkingv1.Ingress{}, nil
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, nil
	case "policy/v1/PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, nil
	case "monitoring.coreos.com/v1/ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}, nil
	}
	return nil, fmt.Errorf("unknown apiVersion/kind %s %s (add it to kubecheck if it is meant to be rendered)", apiVersion, kind)
}

type checker struct {
	errs     []string
	objects  map[string]map[string]object // kind -> name -> object
	external map[string]bool
}

func (c *checker) errorf(where, format string, args ...any) {
	c.errs = append(c.errs, where+": "+fmt.Sprintf(format, args...))
}

func (c *checker) load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for n := 1; ; n++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", path, n, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			c.errorf(fmt.Sprintf("%s#%d", path, n), "not YAML: %v", err)
			continue
		}
		obj, err := newObject(tm.APIVersion, tm.Kind)
		if err != nil {
			c.errorf(fmt.Sprintf("%s#%d", path, n), "%v", err)
			continue
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			c.errorf(fmt.Sprintf("%s#%d %s", path, n, tm.Kind), "%v", err)
			continue
		}
		name := obj.GetName()
		where := tm.Kind + "/" + name
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			c.errorf(where, "name: %s", msg)
		}
		if c.objects[tm.Kind] == nil {
			c.objects[tm.Kind] = map[string]object{}
		}
		if _, dup := c.objects[tm.Kind][name]; dup {
			c.errorf(where, "rendered twice")
		}
		c.objects[tm.Kind][name] = obj
	}
}

func stripComments(doc []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
			out = append(out, '\n')
		}
	}
	return out
}

func (c *checker) checkLabels(where string, l map[string]string) {
	for k, v := range l {
		for _, msg := range validation.IsQualifiedName(k) {
			c.errorf(where, "label key %q: %s", k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			c.errorf(where, "label %s=%q: %s", k, v, msg)
		}
	}
}

func (c *checker) exists(kind, name string) bool {
	_, ok := c.objects[kind][name]
	return ok || c.external[name]
}

func (c *checker) checkPod(where string, spec *corev1.PodSpec) {
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		if v.ConfigMap != nil && !c.exists("ConfigMap", v.ConfigMap.Name) {
			c.errorf(where, "volume %s: ConfigMap %s is not rendered", v.Name, v.ConfigMap.Name)
		}
		if v.Secret != nil && !c.exists("Secret", v.Secret.SecretName) {
			c.errorf(where, "volume %s: Secret %s is not rendered", v.Name, v.Secret.SecretName)
		}
	}
	if spec.ServiceAccountName != "" && spec.ServiceAccountName != "default" && !c.exists("ServiceAccount", spec.ServiceAccountName) {
		c.errorf(where, "ServiceAccount %s is not rendered", spec.ServiceAccountName)
	}
	if len(spec.Containers) == 0 {
		c.errorf(where, "no containers")
	}
	for _, ct := range spec.Containers {
		cw := where + " container " + ct.Name
		if ct.Image == "" {
			c.errorf(cw, "no image")
		}
		ports := map[string]bool{}
		for _, p := range ct.Ports {
			if p.Name != "" {
				for _, msg := range validation.IsValidPortName(p.Name) {
					c.errorf(cw, "port name %q: %s", p.Name, msg)
				}
				ports[p.Name] = true
			}
			if p.ContainerPort < 1 || p.ContainerPort > 65535 {
				c.errorf(cw, "containerPort %d", p.ContainerPort)
			}
		}
		for _, pr := range []struct {
			name  string
			probe *corev1.Probe
		}{{"livenessProbe", ct.LivenessProbe}, {"readinessProbe", ct.ReadinessProbe}, {"startupProbe", ct.StartupProbe}} {
			if pr.probe == nil || pr.probe.HTTPGet == nil {
				continue
			}
			if p := pr.probe.HTTPGet.Port; p.StrVal != "" && !ports[p.StrVal] {
				c.errorf(cw, "%s names port %q, which the container does not declare", pr.name, p.StrVal)
			}
			if !strings.HasPrefix(pr.probe.HTTPGet.Path, "/") {
				c.errorf(cw, "%s path %q", pr.name, pr.probe.HTTPGet.Path)
			}
		}
		for _, m := range ct.VolumeMounts {
			if !volumes[m.Name] {
				c.errorf(cw, "volumeMount %s names no volume", m.Name)
			}
		}
		for _, e := range ct.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				c.errorf(cw, "env %q: %s", e.Name, msg)
			}
			if e.ValueFrom == nil {
				continue
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil && !c.exists("Secret", r.Name) && (r.Optional == nil || !*r.Optional) {
				c.errorf(cw, "env %s: Secret %s is not rendered", e.Name, r.Name)
			}
			if r := e.ValueFrom.SecretKeyRef; r != nil {
				if s, ok := c.objects["Secret"][r.Name].(*corev1.Secret); ok {
					if _, has := s.Data[r.Key]; !has && (r.Optional == nil || !*r.Optional) {
						c.errorf(cw, "env %s: Secret %s has no key %s", e.Name, r.Name, r.Key)
					}
				}
			}
			if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !c.exists("ConfigMap", r.Name) {
				c.errorf(cw, "env %s: ConfigMap %s is not rendered", e.Name, r.Name)
			}
		}
	}
}

// podsMatching returns the pod templates of the rendered Deployments whose labels sel selects.
func (c *checker) podsMatching(sel labels.Selector) []*corev1.PodTemplateSpec {
	var out []*corev1.PodTemplateSpec
	for _, o := range c.objects["Deployment"] {
		d := o.(*appsv1.Deployment)
		if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, &d.Spec.Template)
		}
	}
	return out
}

func podHasPort(pods []*corev1.PodTemplateSpec, name string) bool {
	for _, p := range pods {
		for _, ct := range p.Spec.Containers {
			for _, port := range ct.Ports {
				if port.Name == name {
					return true
				}
			}
		}
	}
	return false
}

func (c *checker) check() {
	for kind, byName := range c.objects {
		for name, o := range byName {
			if m, ok := o.(metav1.Object); ok {
				c.checkLabels(kind+"/"+name, m.GetLabels())
			}
		}
	}
	for name, o := range c.objects["Deployment"] {
		d := o.(*appsv1.Deployment)
		where := "Deployment/" + name
		if d.Spec.Selector == nil {
			c.errorf(where, "no selector")
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			c.errorf(where, "selector does not select its own pod template")
		}
		c.checkLabels(where+" pod template", d.Spec.Template.Labels)
		c.checkPod(where, &d.Spec.Template.Spec)
	}
	for name, o := range c.objects["Service"] {
		s := o.(*corev1.Service)
		where := "Service/" + name
		pods := c.podsMatching(labels.SelectorFromSet(s.Spec.Selector))
		if len(pods) == 0 {
			c.errorf(where, "selects no rendered pod")
		}
		for _, p := range s.Spec.Ports {
			if p.TargetPort.StrVal != "" && !podHasPort(pods, p.TargetPort.StrVal) {
				c.errorf(where, "targetPort %q is not a port of the selected pods", p.TargetPort.StrVal)
			}
		}
	}
	servicePort := func(svc, port string) bool {
		s, ok := c.objects["Service"][svc].(*corev1.Service)
		if !ok {
			return false
		}
		for _, p := range s.Spec.Ports {
			if p.Name == port {
				return true
			}
		}
		return false
	}
	for name, o := range c.objects["Ingress"] {
		ing := o.(*networkingv1.Ingress)
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if b := p.Backend.Service; b == nil || !servicePort(b.Name, b.Port.Name) {
					c.errorf("Ingress/"+name, "path %s: backend is not a rendered Service port", p.Path)
				}
				if p.PathType == nil {
					c.errorf("Ingress/"+name, "path %s: no pathType", p.Path)
				}
			}
		}
	}
	for name, o := range c.objects["HorizontalPodAutoscaler"] {
		h := o.(*autoscalingv2.HorizontalPodAutoscaler)
		ref := h.Spec.ScaleTargetRef
		where := "HorizontalPodAutoscaler/" + name
		if ref.Kind != "Deployment" || !c.exists("Deployment", ref.Name) {
			c.errorf(where, "scaleTargetRef %s/%s is not rendered", ref.Kind, ref.Name)
		} else if d := c.objects["Deployment"][ref.Name].(*appsv1.Deployment); d.Spec.Replicas != nil {
			c.errorf(where, "Deployment %s sets replicas: every helm upgrade would fight the HPA", ref.Name)
		}
		if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			c.errorf(where, "minReplicas > maxReplicas")
		}
	}
	for name, o := range c.objects["PodDisruptionBudget"] {
		p := o.(*policyv1.PodDisruptionBudget)
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || len(c.podsMatching(sel)) == 0 {
			c.errorf("PodDisruptionBudget/"+name, "selects no rendered pod")
		}
	}
	for name, o := range c.objects["ServiceMonitor"] {
		sm := o.(*monitoringv1.ServiceMonitor)
		sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
		if err != nil {
			c.errorf("ServiceMonitor/"+name, "selector: %v", err)
			continue
		}
		for _, ep := range sm.Spec.Endpoints {
			found := false
			for svcName, so := range c.objects["Service"] {
				if sel.Matches(labels.Set(so.(*corev1.Service).Labels)) && servicePort(svcName, ep.Port) {
					found = true
				}
			}
			if !found {
				c.errorf("ServiceMonitor/"+name, "no selected Service has a port named %q", ep.Port)
			}
		}
	}
}

func main() {
	external := flag.String("external", "", "comma-separated names of objects that exist outside the chart (existing Secrets, TLS Secrets)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: kubecheck [-external a,b] manifests.yaml...")
		os.Exit(2)
	}
	c := &checker{objects: map[string]map[string]object{}, external: map[string]bool{}}
	for _, n := range strings.Split(*external, ",") {
		if n != "" {
			c.external[n] = true
		}
	}
	for _, path := range flag.Args() {
		if err := c.load(path); err != nil {
			fmt.Fprintln(os.Stderr, "kubecheck:", err)
			os.Exit(2)
		}
	}
	c.check()
	count := 0
	for _, m := range c.objects {
		count += len(m)
	}
	for _, e := range c.errs {
		fmt.Fprintln(os.Stderr, "kubecheck:", e)
	}
	if len(c.errs) > 0 {
		os.Exit(1)
	}
	fmt.Printf("kubecheck: %d objects valid (%s)\n", count, strings.Join(flag.Args(), ", "))
}
