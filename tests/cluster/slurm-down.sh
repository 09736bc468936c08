#!/usr/bin/env bash
# Stop the test cluster started by tests/cluster/slurm-up.sh.
#
# Only the daemons slurm-up.sh recorded in $SLURM_TEST_DIR/daemons.pid are
# stopped -- never anything found by name -- so a system Slurm/munge or a
# colleague's cluster on the same machine is left alone. Safe to run when
# nothing is up (exits 0).
set -euo pipefail

STATE="${SLURM_TEST_DIR:-/tmp/mlplab-slurm}"
CONF="$STATE/slurm.conf"
PIDFILE="$STATE/daemons.pid"
export SLURM_CONF="$CONF"

log() { echo "slurm-down: $*" >&2; }

if [[ ! -e $PIDFILE ]]; then
    log "nothing recorded in $PIDFILE; nothing to stop"
    exit 0
fi

comm_of() {
    # A zombie keeps its /proc entry (and comm) until reaped by whoever adopted
    # it, which may never happen here; it counts as gone.
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    [[ $stat =~ ^[0-9]+\ \(.*\)\ Z ]] && return 0
    cat "/proc/$1/comm" 2>/dev/null || true
}

# Cancel jobs first: slurmstepd and the job's processes are detached from
# slurmd, so killing slurmd alone would orphan running test jobs. scancel lets
# Slurm reap them itself. Bounded, as the controller may already be dead.
if [[ -f $CONF ]] && timeout 10 squeue --noheader --format=%i >/dev/null 2>&1; then
    jobs="$(timeout 10 squeue --noheader --format=%i 2>/dev/null || true)"
    if [[ -n $jobs ]]; then
        # shellcheck disable=SC2086  # one job id per word is what scancel wants
        timeout 10 scancel $jobs 2>/dev/null || true
        for _ in $(seq 20); do
            [[ -z "$(timeout 5 squeue --noheader --states=RUNNING,COMPLETING --format=%i 2>/dev/null || true)" ]] && break
            sleep 0.5
        done
    fi
fi

# Stop in reverse start order (slurmd, slurmctld, munged) so nothing logs
# spurious auth/connection errors while its dependencies vanish. A pid is only
# signalled while its comm still names the daemon we started, so a pid reused
# by an unrelated process after a crash is never hit.
mapfile -t entries < <(tac "$PIDFILE")
for entry in "${entries[@]}"; do
    read -r name pid <<<"$entry"
    [[ -n ${name:-} && -n ${pid:-} ]] || continue
    if [[ $(comm_of "$pid") == "$name" ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            [[ $(comm_of "$pid") == "$name" ]] || break
            sleep 0.1
        done
        if [[ $(comm_of "$pid") == "$name" ]]; then
            log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
        fi
        log "stopped $name (pid $pid)"
    fi
done

rm -f "$PIDFILE"
# Drop the convenience symlink slurm-up.sh made, but only if it is ours.
if [[ -L /etc/slurm/slurm.conf && $(readlink /etc/slurm/slurm.conf) == "$CONF" ]]; then
    rm -f /etc/slurm/slurm.conf
fi
