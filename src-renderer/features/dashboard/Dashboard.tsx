import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';
import BackupIcon from '@mui/icons-material/CloudUploadOutlined';
import { useState } from 'react';
import { formatBytes } from '../../../src-shared/domain/format';
import { useActions } from '../../app/actions';
import { useNotify } from '../../app/notify';
import { StatCard } from '../../components/StatCard';
import { StatusChip } from '../../components/StatusChip';
import { call } from '../../lib/api';
import { useQuery } from '../../lib/hooks';
import { SizeChart } from './SizeChart';

function age(iso: string): string {
  const minutes = Math.round((Date.now() - new Date(iso).getTime()) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

/** Stats cards, the size/duration chart, "Back up now", and a first-run guide. */
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
        <Typography variant="h4" sx={{ fontWeight: 700, mb: 1 }}>
          Welcome to Lifeboat
        </Typography>
        <Typography color="text.secondary" sx={{ mb: 3 }}>
          Lifeboat backs up what your application's data really is: SQLite databases through the online backup API, PostgreSQL with pg_dump, and folder trees, into one verified archive per backup. Start by creating a profile: the set of
          sources to back up together.
        </Typography>
        <Box sx={{ display: 'flex', gap: 2 }}>
          <Button variant="contained" size="large" onClick={() => actions.go('profiles')}>
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
  return (
    <Box>
      <Box sx={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', mb: 3 }}>
        <Typography variant="h4" sx={{ fontWeight: 700 }}>
          Dashboard
        </Typography>
        <Button variant="contained" size="large" startIcon={<BackupIcon />} onClick={() => actions.openBackupDialog(settings.data?.defaultProfile ?? undefined)} data-testid="backup-now">
          Back up now
        </Button>
      </Box>
      {s.alerts.map((a) => (
        <Alert key={a.profile} severity="warning" sx={{ mb: 2 }} data-testid="missed-backup">
          {a.message}
        </Alert>
      ))}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(230px, 1fr))', gap: 2, mb: 3 }}>
        <StatCard label="Total backups" value={s.totalBackups} detail={`${s.profiles} profile${s.profiles === 1 ? '' : 's'}`} testId="stat-total" />
        <StatCard
          label="Latest backup"
          value={latest ? <StatusChip status={latest.status} warnings={latest.warnings.length} /> : '—'}
          detail={latest ? `${latest.profile ?? 'ad hoc'} · ${age(latest.createdAt)}` : 'No backup yet'}
          testId="stat-latest"
        />
        <StatCard label="Size on disk" value={formatBytes(s.totalBytes)} detail="completed backups" testId="stat-size" />
        <StatCard label="Retention" value={<Typography variant="body1">{s.retention}</Typography>} testId="stat-retention" />
        <StatCard
          label="Next scheduled run"
          value={s.nextRun ? new Date(s.nextRun.at).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' }) : '—'}
          detail={s.nextRun ? `profile ${s.nextRun.profile}` : 'No schedule set'}
          testId="stat-next"
        />
        <StatCard
          label="Last verified"
          value={s.lastVerified ? age(s.lastVerified.verifiedAt ?? s.lastVerified.createdAt) : '—'}
          detail={s.lastVerified ? s.lastVerified.fileName : 'Nothing verified yet'}
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
