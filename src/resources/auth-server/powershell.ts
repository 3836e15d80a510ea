/** Auth servers on the PowerShell target: Get-AuthServer in the organisation read, Set-AuthServer for a change. */
import { objectPsDriver } from '../common/object-powershell';
import { READ } from './types';

export const authServerPowerShell = objectPsDriver({
  cmdlets: { get: 'Get-AuthServer', set: 'Set-AuthServer' },
  read: READ,
  originalsFile: 'original/auth-servers.json',
  call: 'setAuthServer',
  what: 'Set-AuthServer',
});
