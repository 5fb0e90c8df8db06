import { comingSoon } from '../components/ComingSoon.jsx';

export default comingSoon({
  id: 'quality',
  title: 'Data quality',
  icon: 'quality',
  summary: 'Standardization, validation, duplicates, merges and the data-quality score.',
  cli: 'mops quality --help',
});
