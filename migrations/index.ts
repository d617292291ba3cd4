import { Foundation1795438668343 } from './1795438668343-Foundation';
import { Federation1795440810958 } from './1795440810958-Federation';
import { Agreements1795447370377 } from './1795447370377-Agreements';
import { AgreementEventNoEffect1795450691781 } from './1795450691781-AgreementEventNoEffect';
import { Registry1795451778592 } from './1795451778592-Registry';
import { Shops1795453132036 } from './1795453132036-Shops';
import { ShopHome1795453935047 } from './1795453935047-ShopHome';
import { Landing1795455360433 } from './1795455360433-Landing';
import { ShopHomeIndex1795455730265 } from './1795455730265-ShopHomeIndex';
import { Sync1795456951363 } from './1795456951363-Sync';
import { Resolve1795457566567 } from './1795457566567-Resolve';
import { ResolveReference1795458439202 } from './1795458439202-ResolveReference';
import { LandingShopSeq1795461152083 } from './1795461152083-LandingShopSeq';
import { ResolveIndexes1795461391833 } from './1795461391833-ResolveIndexes';
import { Cases1796282534621 } from './1796282534621-Cases';
import { CaseUploads1796284767219 } from './1796284767219-CaseUploads';
import { CaseOnward1796288186880 } from './1796288186880-CaseOnward';
import { TableChangeNotices1796290644588 } from './1796290644588-TableChangeNotices';
import { ResolveOfficerDay1796290754210 } from './1796290754210-ResolveOfficerDay';
import { ResolveOfficerTaken1796294021757 } from './1796294021757-ResolveOfficerTaken';
import { EntityNameGrams1796298548986 } from './1796298548986-EntityNameGrams';
import { StatisticsLeaveOutRecords1796299410000 } from './1796299410000-StatisticsLeaveOutRecords';
import { AgreementSuspendedByParties1796318000000 } from './1796318000000-AgreementSuspendedByParties';
import { CaseRequestId1796318100000 } from './1796318100000-CaseRequestId';
import { ResolveLookupTimeIndex1796318200000 } from './1796318200000-ResolveLookupTimeIndex';
import { ImportHeartbeat1796318300000 } from './1796318300000-ImportHeartbeat';
import { CaseStepTakenBy1796318400000 } from './1796318400000-CaseStepTakenBy';
import { UserTokensRevokedAt1796318461937 } from './1796318461937-UserTokensRevokedAt';
import { CaseSentOn1796318500000 } from './1796318500000-CaseSentOn';
import { EntityNameKeyLegalForms1796318600000 } from './1796318600000-EntityNameKeyLegalForms';
import { ImportOlder1796318700000 } from './1796318700000-ImportOlder';
import { LandingOutdated1796318800000 } from './1796318800000-LandingOutdated';
import { LandingShopSeqIndex1796318900000 } from './1796318900000-LandingShopSeqIndex';
import { ShopDepartures1796319000000 } from './1796319000000-ShopDepartures';
import { ShopDepartureSeq1796319100000 } from './1796319100000-ShopDepartureSeq';
import { SignInFailures1796319200000 } from './1796319200000-SignInFailures';
import { ShopDepartureShopIndex1796319300000 } from './1796319300000-ShopDepartureShopIndex';
import { ShopLookupIndexes1796319400000 } from './1796319400000-ShopLookupIndexes';
import { LandingFollowsRegister1796319500000 } from './1796319500000-LandingFollowsRegister';
import { LandingFailures1796319600000 } from './1796319600000-LandingFailures';
import { OutboxLeaseToken1796319700000 } from './1796319700000-OutboxLeaseToken';
import { PeerTreeHeadConflicts1796319800000 } from './1796319800000-PeerTreeHeadConflicts';
import { PeerRetiredKeys1796319900000 } from './1796319900000-PeerRetiredKeys';
import { PeerCardHistory1796320000000 } from './1796320000000-PeerCardHistory';
import { SyncPullHolds1796320100000 } from './1796320100000-SyncPullHolds';

/**
 * Every migration, oldest first. Schema changes are generated (`npm run migration:generate --
 * migrations/<Name>` against a database at the previous migration), data changes hand-written;
 * a landed migration is never edited. The drift test fails when entities and migrations disagree.
 */
export const MIGRATIONS = [
  Foundation1795438668343,
  Federation1795440810958,
  Agreements1795447370377,
  AgreementEventNoEffect1795450691781,
  Registry1795451778592,
  Shops1795453132036,
  ShopHome1795453935047,
  Landing1795455360433,
  ShopHomeIndex1795455730265,
  Sync1795456951363,
  Resolve1795457566567,
  ResolveReference1795458439202,
  LandingShopSeq1795461152083,
  ResolveIndexes1795461391833,
  Cases1796282534621,
  CaseUploads1796284767219,
  CaseOnward1796288186880,
  TableChangeNotices1796290644588,
  ResolveOfficerDay1796290754210,
  ResolveOfficerTaken1796294021757,
  EntityNameGrams1796298548986,
  StatisticsLeaveOutRecords1796299410000,
  AgreementSuspendedByParties1796318000000,
  CaseRequestId1796318100000,
  ResolveLookupTimeIndex1796318200000,
  ImportHeartbeat1796318300000,
  CaseStepTakenBy1796318400000,
  UserTokensRevokedAt1796318461937,
  CaseSentOn1796318500000,
  EntityNameKeyLegalForms1796318600000,
  ImportOlder1796318700000,
  LandingOutdated1796318800000,
  LandingShopSeqIndex1796318900000,
  ShopDepartures1796319000000,
  ShopDepartureSeq1796319100000,
  SignInFailures1796319200000,
  ShopDepartureShopIndex1796319300000,
  ShopLookupIndexes1796319400000,
  LandingFollowsRegister1796319500000,
  LandingFailures1796319600000,
  OutboxLeaseToken1796319700000,
  PeerTreeHeadConflicts1796319800000,
  PeerRetiredKeys1796319900000,
  PeerCardHistory1796320000000,
  SyncPullHolds1796320100000,
];
