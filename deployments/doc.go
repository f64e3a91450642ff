// Package deployments holds easy-api's Docker Compose files
// (docker-compose.yml; docker-compose.cluster.yml, three nodes) and
// Kubernetes manifests (kubernetes/; kubernetes/cluster/, three nodes). It has no
// code: its tests read those files and the repository's Dockerfile, decode
// them with the parsers Docker and Kubernetes use, and check them against
// the server itself — the routes it serves, the flags it reads, the bound on
// its graceful shutdown — so that CI catches a deployment that drifted even
// though no container engine runs there.
package deployments
