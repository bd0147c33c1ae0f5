import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import BackupIcon from '@mui/icons-material/CloudUploadOutlined';
import { useState } from 'react';
import { formatBytes, formatDateTime } from '../../../src-shared/domain/format';
import { useActions } from '../../app/actions';
import { useNotify } from '../../app/notify';
import { StatCard } from '../../components/StatCard';
import { StatusChip } from '../../components/StatusChip';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import { age, HealthTable, when } from './HealthTable';
import { SizeChart } from './SizeChart';

/** Red banners for failing profiles, the per-profile health table, stats cards, the chart, "Back up now", and a first-run guide. */
export function Dashboard() {
  const stats = useQuery('stats:get', {});
  const settings = useQuery('settings:get', {});
  const actions = useActions();
  const notify = useNotify();
  const [creating, setCreating] = useState(false);
  const s = stats.data;
  if (stats.error) return <Alert severity="error">The dashboard could not load: {String((stats.error as Error).message)}</Alert>;
  if (!s) return null;

  if (s.profiles === 0 && s.totalBackups === 0) {
    const demo = async (): Promise<void> => {
      setCreating(true);
      try {
        const r = await call('demo:create', {});
        notify.success('Demo data created: a SQLite database and a folder tree in the app\'s data folder, with a "demo" profile.');
        actions.openBackupDialog(r.profile);
      } catch (e) {
        notify.failure(e, 'Demo data');
      } finally {
        setCreating(false);
      }
    };
    return (
      <Box sx={{ maxWidth: 720, mx: 'auto', mt: 8 }} data-testid="first-run">
        <Typography variant="h4" component="h1" sx={{ fontWeight: 700, mb: 1 }}>
          Welcome to Lifeboat
        </Typography>
        <Typography color="text.secondary" sx={{ mb: 3 }}>
          Lifeboat backs up what your application's data really is: SQLite databases through the online backup API, PostgreSQL with pg_dump, and folder trees, into one verified archive per backup. Start by creating a profile: the set of
          sources to back up together.
        </Typography>
        <Box sx={{ display: 'flex', gap: 2 }}>
          <Button variant="contained" size="large" onClick={() => actions.createProfile()} data-testid="create-profile">
            Create a profile
          </Button>
          <Button variant="outlined" size="large" onClick={() => void demo()} disabled={creating} data-testid="try-demo">
            Try it with demo data
          </Button>
        </Box>
      </Box>
    );
  }

  const latest = s.latest;
  const historyRows = Object.values(s.rowsByStatus).reduce((a, b) => a + b, 0);
  const failedRows = s.rowsByStatus.FAILED ?? 0;
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', mb: 2 }}>
        <Typography variant="h4" component="h1" sx={{ fontWeight: 700 }}>
          Dashboard
        </Typography>
        <Button variant="contained" size="large" startIcon={<BackupIcon />} onClick={() => actions.openBackupDialog(settings.data?.defaultProfile ?? undefined)} data-testid="backup-now">
          Back up now
        </Button>
      </Box>
      {s.failing.map((f) => (
        <Alert
          key={f.profile}
          severity="error"
          variant="filled"
          sx={{ mb: 1.5 }}
          data-testid="failure-banner"
          action={
            <Button color="inherit" size="small" sx={{ whiteSpace: 'nowrap' }} onClick={() => actions.showInHistory({ id: f.backupId, profile: f.profile })} data-testid="failure-banner-link">
              Show in History
            </Button>
          }
        >
          <strong>
            The last backup of "{f.profile}" failed{f.consecutiveFailures > 1 ? ` (${f.consecutiveFailures} failures in a row)` : ''}
          </strong>{' '}
          at {when(f.failedAt)}: {f.errorCode ? `${f.errorCode}: ` : ''}
          {f.errorMessage ?? 'no reason recorded'}
        </Alert>
      ))}
      {s.alerts.map((a) => (
        <Alert key={a.profile} severity="warning" sx={{ mb: 1.5 }} data-testid="missed-backup">
          {a.message}
        </Alert>
      ))}
      {s.health.length > 0 && (
        <Card variant="outlined" sx={{ mb: 2 }}>
          <CardContent sx={{ pb: 1 }}>
            <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
              Profiles at a glance
            </Typography>
            <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
              The age of each profile's last successful backup is green while it covers the newest scheduled run, orange within an hour after a missed run, red after that.
            </Typography>
            <HealthTable rows={s.health} />
          </CardContent>
        </Card>
      )}
      {s.health.length === 0 && (
        <Alert
          severity="info"
          sx={{ mb: 2 }}
          data-testid="no-profiles"
          action={
            <Button color="inherit" size="small" onClick={() => actions.createProfile()}>
              Create a profile
            </Button>
          }
        >
          These backups were made without a profile. Create a profile to back up the same sources again with one click, on a schedule, and to see its health here.
        </Alert>
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: 2, mb: 2 }}>
        <StatCard
          label="Completed backups"
          value={s.totalBackups}
          detail={`Archives in the catalog, across ${s.profiles} profile${s.profiles === 1 ? '' : 's'} and ad hoc. History lists every attempt: ${historyRows} row${historyRows === 1 ? '' : 's'}${failedRows ? `, ${failedRows} of them failed` : ''}.`}
          testId="stat-total"
        />
        <StatCard
          label="Latest backup"
          value={latest ? <StatusChip status={latest.status} warnings={latest.warnings.length} /> : '—'}
          detail={latest ? `${latest.profile ?? 'ad hoc'} · ${age(latest.createdAt)} (any profile)` : 'No backup yet: press “Back up now”.'}
          testId="stat-latest"
        />
        <StatCard label="Size on disk" value={formatBytes(s.totalBytes)} detail="the completed backups' archives" testId="stat-size" />
        <StatCard label="Retention" value={<Typography variant="body1">{s.retention}</Typography>} testId="stat-retention" />
        <StatCard
          label="Next scheduled run"
          value={s.nextRun ? <Typography variant="h6" component="span" sx={{ fontWeight: 600 }}>{formatDateTime(s.nextRun.at, { seconds: false })}</Typography> : '—'}
          detail={s.nextRun ? `profile ${s.nextRun.profile}` : 'No schedule set: give a profile a schedule in Profiles → Edit.'}
          testId="stat-next"
        />
        <StatCard
          label="Last verified"
          value={s.lastVerified ? age(s.lastVerified.verifiedAt ?? s.lastVerified.createdAt) : '—'}
          detail={s.lastVerified ? s.lastVerified.fileName : 'Nothing verified yet: verify a backup from History.'}
          testId="stat-verified"
        />
      </Box>
      <Card>
        <CardContent>
          <Typography variant="subtitle1" sx={{ fontWeight: 600, mb: 1 }}>
            Recent backups
          </Typography>
          <SizeChart points={s.recent} />
        </CardContent>
      </Card>
    </Box>
  );
}
