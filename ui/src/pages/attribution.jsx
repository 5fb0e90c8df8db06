import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'attribution',
  title: 'Attribution',
  icon: 'attribution',
  summary: 'Journeys and attribution models, credit to pipeline and revenue.',
  cli: 'mops attribute --help',
});
