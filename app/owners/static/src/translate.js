// Chinese labels for the standard parts of the modeler and its properties panel (the pages speak Chinese).
const ZH = {
  General: "常规", Name: "名称", ID: "编号", Documentation: "说明", "Element documentation": "元素说明",
  "Process documentation": "流程说明", Message: "消息", "Global message reference": "消息", "<none>": "（无）",
  Signal: "信号", Error: "错误", Escalation: "升级", Timer: "计时器", "Multi-instance": "多实例",
  "Create new ...": "新建…", "Version tag": "版本标签", Executable: "可执行", "Process": "流程",
  "Process name": "流程名称", "Process ID": "流程编号", "Link": "链接", Condition: "条件",
  "Activate the hand tool": "手形工具", "Activate the lasso tool": "套索工具",
  "Activate the create/remove space tool": "空间工具", "Activate the global connect tool": "连接工具",
  "Create start event": "开始事件", "Create end event": "结束事件", "Create task": "任务",
  "Create gateway": "网关", "Create intermediate/boundary event": "中间/边界事件",
  "Create expanded sub-process": "子流程", "Create pool/participant": "泳池", "Create data object reference": "数据对象",
  "Create data store reference": "数据存储", "Create group": "分组", "Append task": "追加任务",
  "Append end event": "追加结束事件", "Append gateway": "追加网关", "Append intermediate/boundary event": "追加事件",
  "Connect to other element": "连接", "Delete": "删除", "Change element": "更改类型", "Add text annotation": "添加注释",
  "Section contains edits": "本节有内容", "Toggle section": "展开/收起", "Open pop-up editor": "弹出编辑器",
  "Toggle linting": "建模规范检查", "Toggle Token Simulation": "令牌模拟",
};

export default function translate(template, replacements) {
  const text = ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (replacements || {})[key] || `{${key}}`);
}
