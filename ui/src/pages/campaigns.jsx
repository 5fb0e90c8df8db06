import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'campaigns',
  title: 'Campaigns',
  icon: 'campaigns',
  summary: 'Campaign hierarchy, UTM governance, approvals, QA and budgets.',
});
