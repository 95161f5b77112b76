import { useState } from 'react';
import { useSession } from '../../api/context';
import { Card, PageHeader } from '../../components/PageHeader';
import { PasswordChangeForm } from './PasswordChangeForm';
import { StatusNotice } from '../../components/Notice';
import { formatTime } from '../../format';
import { roleList } from './roles';
import { TotpCard } from './TotpCard';

export function AccountScreen() {
  const { me } = useSession();
  const [changed, setChanged] = useState(false);
  return (
    <>
      <PageHeader title="My account" description="Your roles, your password and two-step sign-in." />
      <div className="grid grid-2">
        <Card title="Who you are">
          <dl className="facts">
            <dt>User name</dt>
            <dd>{me.user.name}</dd>
            <dt>Roles</dt>
            <dd>{roleList(me.user.roles)}</dd>
            <dt>Account created</dt>
            <dd>{formatTime(me.user.createdAt)}</dd>
            <dt>Workstation</dt>
            <dd className="mono">{me.workstationId}</dd>
          </dl>
        </Card>
        <Card title="Change password">
          {changed && <StatusNotice>Your password was changed. Use the new one next time you sign in.</StatusNotice>}
          <PasswordChangeForm submitLabel="Change password" onChanged={() => setChanged(true)} />
        </Card>
        <TotpCard />
      </div>
    </>
  );
}
