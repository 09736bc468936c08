#!/usr/bin/env bash
# Bring up a throwaway, single-node Slurm (Debian 12's Slurm 22.05) on this
# machine, so that tests can drive the real `--executor slurm` code path.
#
# Usage (as root):   tests/cluster/slurm-up.sh
#                    export SLURM_CONF=${SLURM_TEST_DIR:-/tmp/mlplab-slurm}/slurm.conf
#                    ... sbatch / snakemake --profile profiles/slurm ...
#                    tests/cluster/slurm-down.sh
#
# Where things live:
#   * Everything Slurm writes (slurm.conf, state, spool, logs, pid list) goes to
#     the state dir ${SLURM_TEST_DIR:-/tmp/mlplab-slurm}, so a stale run can be
#     wiped with `rm -rf` and no system Slurm config is needed.
#   * The Slurm client commands (sbatch, squeue, sinfo, and the snakemake SLURM
#     plugin calling them) find that config through SLURM_CONF. For callers
#     that forget to export it, /etc/slurm/slurm.conf is made a symlink to it,
#     but only when that path is absent or already a symlink: a real cluster
#     config there is never touched (then SLURM_CONF is required).
#   * munged uses Debian's default socket/key (/run/munge, /etc/munge/munge.key)
#     because the Slurm auth plugin and munge clients look there by default.
#
# Idempotent: if the daemons recorded by a previous run are alive and the node
# is idle it exits 0 at once; a half-dead previous run is torn down first.
# Knobs: SLURM_TEST_DIR (state dir), SLURM_UP_TIMEOUT (seconds to wait, 60),
#        SLURM_TEST_CPUS (CPUs the node declares; default nproc). Declaring more
#        CPUs than the machine has lets more short, mostly idle jobs (a test's
#        tiny pipeline) run at once; the kernel shares the real cores.
set -euo pipefail

STATE="${SLURM_TEST_DIR:-/tmp/mlplab-slurm}"
CONF="$STATE/slurm.conf"
PIDFILE="$STATE/daemons.pid"
TIMEOUT="${SLURM_UP_TIMEOUT:-60}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE="$(hostname -s)"

log() { echo "slurm-up: $*" >&2; }
die() {
    echo "slurm-up: ERROR: $*" >&2
    exit 1
}

# The client tools read SLURM_CONF; exporting it here makes every sinfo/scontrol
# below talk to *this* cluster even if /etc/slurm holds another config.
export SLURM_CONF="$CONF"

[[ $EUID -eq 0 ]] || die "must run as root (installs packages, runs slurmd as root)"
[[ ${SLURM_TEST_CPUS:-1} =~ ^[1-9][0-9]*$ ]] ||
    die "SLURM_TEST_CPUS must be a positive integer, not '$SLURM_TEST_CPUS'"

# --- packages ---------------------------------------------------------------
missing=()
for pkg in slurmctld slurmd slurm-client munge; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    # Only refresh the package lists when something is actually missing: a
    # second run must not need the network.
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

node_state() {
    sinfo --noheader --Node --nodes="$NODE" --format=%t 2>/dev/null | head -n1 || true
}

# comm of a pid, or empty if it is gone; used so we never treat a recycled pid
# as one of our daemons.
comm_of() {
    # A zombie keeps its /proc entry (and comm) until reaped by whoever adopted
    # it, which may never happen here; it counts as gone.
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    [[ $stat =~ ^[0-9]+\ \(.*\)\ Z ]] && return 0
    cat "/proc/$1/comm" 2>/dev/null || true
}

# --- already up? --------------------------------------------------------------
if [[ -s $PIDFILE ]]; then
    all_alive=1
    while read -r name pid; do
        [[ -n $name ]] || continue
        [[ $(comm_of "$pid") == "$name" ]] || all_alive=0
    done <"$PIDFILE"
    state="$(node_state)"
    if ((all_alive)) && [[ $state == idle || $state == mix || $state == alloc ]]; then
        log "already up (node $NODE: $state); SLURM_CONF=$CONF"
        echo "export SLURM_CONF=$CONF"
        exit 0
    fi
    # A half-dead cluster (e.g. slurmd crashed) is worse than none: tests would
    # hang on PENDING jobs. Tear down what we recorded and start clean.
    log "previous cluster in $STATE is not healthy; restarting it"
    SLURM_TEST_DIR="$STATE" "$HERE/slurm-down.sh"
fi

# Slurm daemons listen on fixed ports (6817/6818); one we did not start would
# make ours fail with a confusing bind error, so refuse early and say why.
# Zombies (stopped daemons not yet reaped by init) hold no port and are skipped.
for d in slurmctld slurmd; do
    others=""
    for pid in $(pgrep -x "$d" || true); do
        [[ $(comm_of "$pid") == "$d" ]] && others+="$pid "
    done
    [[ -z $others ]] || die "a $d not started by this script is running (pid(s): $others); stop it first"
done

mkdir -p "$STATE"
# Wipe controller/node state: jobs or node states remembered from an earlier
# run would otherwise come back (e.g. a node left DOWN) and confuse tests.
rm -rf "$STATE/ctld" "$STATE/spool"
mkdir -p "$STATE/ctld" "$STATE/spool"
: >"$PIDFILE"

# --- slurm.conf -----------------------------------------------------------------
cpus="${SLURM_TEST_CPUS:-$(nproc)}"
mem_total="$(free -m | awk '/^Mem:/ {print $2}')"
# slurmd drains a node whose real memory is below RealMemory, and the kernel's
# MemTotal can shrink a little between boots, so leave ~10% head room.
real_mem=$((mem_total * 9 / 10))
# Without a default, a job that asks for no memory is given the whole node
# under CR_*_Memory and serialises everything; give it a per-CPU share instead.
def_mem_per_cpu=$((real_mem / cpus))

cat >"$CONF" <<EOF
# Generated by tests/cluster/slurm-up.sh -- single-node test cluster, do not edit.
ClusterName=mlplab
SlurmctldHost=${NODE}(127.0.0.1)
# Run everything as root: no slurm user ownership dance on the state dir.
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups in this container/sandbox: track processes via /proc, no task
# binding/containment.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
# A node that was down (e.g. slurmd restarted) rejoins by itself.
ReturnToService=2
# No accounting DB here, so the snakemake plugin must poll with squeue, which
# only sees jobs slurmctld still remembers; keep finished jobs for 10 min
# (plugin wants >= 3 x its init-seconds-before-status-checks).
MinJobAge=600
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$def_mem_per_cpu
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
InactiveLimit=0
# No mailer in a test box; stops slurmctld logging "MailProg is invalid".
MailProg=/bin/true
KillWait=5
SlurmdTimeout=300
# Trust the CPU count above even where it exceeds the hardware (SLURM_TEST_CPUS);
# otherwise slurmd registers fewer CPUs and the node is drained ("Low CPUs").
SlurmdParameters=config_overrides
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

mkdir -p /etc/slurm
if [[ ! -e /etc/slurm/slurm.conf || -L /etc/slurm/slurm.conf ]]; then
    ln -sfn "$CONF" /etc/slurm/slurm.conf
else
    log "note: /etc/slurm/slurm.conf is a real file; left alone (export SLURM_CONF=$CONF)"
fi

# Start a daemon in the foreground, detached into its own session so that a
# Ctrl-C or process-group kill aimed at the caller (pytest, CI) does not take
# it down mid-test, with all three fds off the caller's pipes (a caller that
# captures our output would otherwise wait forever for EOF). In a script
# without job control the child is not a group leader, so setsid exec()s
# without forking and $! is the daemon's own pid -- checked later via comm.
start() {
    local name=$1
    shift
    setsid "$@" </dev/null >>"$STATE/$name.out" 2>&1 &
    echo "$name $!" >>"$PIDFILE"
    log "started $name (pid $!)"
}

# A failed start must not leave half a cluster behind for the next test (or
# CI step) to trip over; the logs stay in $STATE for the post-mortem.
trap 'log "start-up failed; stopping what was started"; SLURM_TEST_DIR="$STATE" "$HERE/slurm-down.sh" || true' EXIT

# --- munge ----------------------------------------------------------------------
key=/etc/munge/munge.key
if [[ ! -s $key ]]; then
    install -d -o munge -g munge -m 0700 /etc/munge
    # munged refuses keys that are readable by others or not owned by munge.
    mungekey --create --keyfile="$key" --force
    chown munge:munge "$key"
    chmod 0600 "$key"
fi
# No systemd/tmpfiles here, so the runtime dirs munged insists on may be absent.
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge

munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
if munge_ok; then
    # Someone else's munged (e.g. a system service) works just as well, and it
    # is not ours to stop later, so it is deliberately not recorded.
    log "reusing the munged that is already running"
else
    # munged must not run as root; setpriv exec()s (no extra process) so the
    # recorded pid stays the daemon's.
    start munged setpriv --reuid=munge --regid=munge --init-groups munged --foreground
    for _ in $(seq 50); do
        munge_ok && break
        sleep 0.2
    done
    munge_ok || die "munged did not come up; see $STATE/munged.out and /var/log/munge/munged.log"
fi

# --- slurm daemons --------------------------------------------------------------
start slurmctld slurmctld -D -i -f "$CONF"
start slurmd slurmd -D -f "$CONF" -N "$NODE"

# --- wait until the node is schedulable -----------------------------------------
deadline=$((SECONDS + TIMEOUT))
state=""
while ((SECONDS < deadline)); do
    while read -r name pid; do
        if [[ $(comm_of "$pid") != "$name" ]]; then
            tail -n 20 "$STATE/$name.log" "$STATE/$name.out" 2>/dev/null >&2 || true
            die "$name (pid $pid) died during start-up; logs in $STATE"
        fi
    done <"$PIDFILE"
    state="$(node_state)"
    case "$state" in
        idle) break ;;
        drain* | drng | inval | fail*)
            sinfo -R >&2 || true
            die "node $NODE came up as '$state'; see $STATE/slurmd.log"
            ;;
    esac
    sleep 0.5
done
[[ $state == idle ]] ||
    die "node $NODE not idle after ${TIMEOUT}s (state: '${state:-no answer}'); logs in $STATE"

trap - EXIT
log "up in ${SECONDS}s: node $NODE idle, $cpus CPUs, ${real_mem} MB; SLURM_CONF=$CONF"
echo "export SLURM_CONF=$CONF"
