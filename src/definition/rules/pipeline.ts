/** Rules on pipeline_config: combinations the agents framework would otherwise resolve its own way without a word. */
import { isRecord } from '../../json/guards.js';
import { problemAtValue } from '../locate.js';
import type { Rule } from './rule.js';

/** Turn detection by VAD needs the VAD; the framework would silently pick another mode. */
export const turnDetection: Rule = {
  name: 'turn-detection',
  codes: ['turn-detection-needs-vad'],
  check(document, { definition }) {
    const pipelineConfig = definition['pipeline_config'];
    if (!isRecord(pipelineConfig) || pipelineConfig['turn_detection'] !== 'vad' || pipelineConfig['vad_enabled'] !== false) return [];
    return [
      problemAtValue(document, '/pipeline_config/turn_detection', {
        code: 'turn-detection-needs-vad',
        message: 'pipeline_config.turn_detection is vad, but vad_enabled is false',
        suggestion: 'set vad_enabled: true, or turn_detection: stt',
      }),
    ];
  },
};
