<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>HikyuuTDX</name>
    <message>
      <source>The quote bus has gone quiet: no data and no heartbeat</source>
      <translation>行情总线已无数据: 既无行情也无心跳</translation>
    </message>
    <message>
      <source>Save settings</source>
      <translation>保存设置</translation>
    </message>
    <message>
      <source>Write the settings you changed to importdata-gui.ini and hikyuu.ini; nothing else in the files changes</source>
      <translation>把改过的设置写入 importdata-gui.ini 和 hikyuu.ini; 文件中其余内容保持不变</translation>
    </message>
    <message>
      <source>Result of the last action</source>
      <translation>上一次操作的结果</translation>
    </message>
    <message>
      <source>Nothing changed: the files were not touched</source>
      <translation>没有改动: 未写入任何文件</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Collector</source>
      <translation>行情采集</translation>
    </message>
    <message>
      <source>Data server</source>
      <translation>数据服务</translation>
    </message>
    <message>
      <source>Saved {0} setting(s) to {1} and {2} to {3}</source>
      <translation>已保存 {0} 项到 {1}, {2} 项到 {3}</translation>
    </message>
    <message>
      <source>Strategy {0}</source>
      <translation>策略 {0}</translation>
    </message>
    <message>
      <source>{0} still running. Stop them and quit?</source>
      <translation>{0} 仍在运行。停止它们并退出?</translation>
    </message>
    <message>
      <source>Cannot load the settings, fix the file first: {0}</source>
      <translation>无法读取设置, 请先修正文件: {0}</translation>
    </message>
    <message>
      <source>Invalid settings, nothing saved: {0}</source>
      <translation>设置无效, 未保存: {0}</translation>
    </message>
    <message>
      <source>Bus health over the last 15 minutes (x: seconds ago)</source>
      <translation>最近 15 分钟的总线状况 (横轴: 距今秒数)</translation>
    </message>
    <message>
      <source>Spots/s and messages/s</source>
      <translation>每秒行情笔数与消息数</translation>
    </message>
    <message>
      <source>Cycle latency (ms)</source>
      <translation>周期延迟 (毫秒)</translation>
    </message>
    <message>
      <source>Lost messages (total)</source>
      <translation>丢失消息 (累计)</translation>
    </message>
    <message>
      <source>Tencent quotes (qq)</source>
      <translation>腾讯行情 (qq)</translation>
    </message>
    <message>
      <source>Replay a recording</source>
      <translation>回放录制文件</translation>
    </message>
    <message>
      <source>Quote source</source>
      <translation>行情来源</translation>
    </message>
    <message>
      <source>Seconds between polls</source>
      <translation>两次采集之间的秒数</translation>
    </message>
    <message>
      <source>IPC address the collector listens on (same-host strategies dial it)</source>
      <translation>采集服务监听的 IPC 地址 (本机策略连接它)</translation>
    </message>
    <message>
      <source>TCP address the collector listens on (other hosts dial it), e.g. tcp://*:9200; none for no TCP</source>
      <translation>采集服务监听的 TCP 地址 (其他主机连接它), 如 tcp://*:9200; none 表示不用 TCP</translation>
    </message>
    <message>
      <source>Recorded file for the replay source (CSV or JSON lines, .gz too)</source>
      <translation>回放用的录制文件 (CSV 或 JSON lines, 可为 .gz)</translation>
    </message>
    <message>
      <source>Replay speed factor</source>
      <translation>回放倍速</translation>
    </message>
    <message>
      <source>Start collector</source>
      <translation>启动采集</translation>
    </message>
    <message>
      <source>Start (or stop) the collector</source>
      <translation>启动 (或停止) 行情采集</translation>
    </message>
    <message>
      <source>Not running</source>
      <translation>未运行</translation>
    </message>
    <message>
      <source>Collector status</source>
      <translation>采集状态</translation>
    </message>
    <message>
      <source>The equivalent command line</source>
      <translation>等效的命令行</translation>
    </message>
    <message>
      <source>Collector output</source>
      <translation>采集程序输出</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Replay</source>
      <translation>回放</translation>
    </message>
    <message>
      <source>Stopping…</source>
      <translation>正在停止…</translation>
    </message>
    <message>
      <source>Choose a replay file first</source>
      <translation>请先选择回放文件</translation>
    </message>
    <message>
      <source>Stop collector</source>
      <translation>停止采集</translation>
    </message>
    <message>
      <source>Running</source>
      <translation>运行中</translation>
    </message>
    <message>
      <source>Source</source>
      <translation>数据源</translation>
    </message>
    <message>
      <source>Poll interval (s)</source>
      <translation>采集间隔(秒)</translation>
    </message>
    <message>
      <source>Morning</source>
      <translation>上午</translation>
    </message>
    <message>
      <source>Afternoon</source>
      <translation>下午</translation>
    </message>
    <message>
      <source>IPC address</source>
      <translation>IPC 地址</translation>
    </message>
    <message>
      <source>TCP address</source>
      <translation>TCP 地址</translation>
    </message>
    <message>
      <source>Replay file</source>
      <translation>回放文件</translation>
    </message>
    <message>
      <source>Replay speed</source>
      <translation>回放速度</translation>
    </message>
    <message>
      <source>Stopped (exit code {0})</source>
      <translation>已停止 (退出码 {0})</translation>
    </message>
    <message>
      <source>Morning polling starts</source>
      <translation>上午开始采集</translation>
    </message>
    <message>
      <source>Morning polling ends</source>
      <translation>上午结束采集</translation>
    </message>
    <message>
      <source>Afternoon polling starts</source>
      <translation>下午开始采集</translation>
    </message>
    <message>
      <source>Afternoon polling ends</source>
      <translation>下午结束采集</translation>
    </message>
    <message>
      <source>Command: {0}</source>
      <translation>命令: {0}</translation>
    </message>
    <message>
      <source>not saving</source>
      <translation>不保存</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>就绪</translation>
    </message>
    <message>
      <source>Recovered what was saved and answering</source>
      <translation>已恢复保存的数据并在应答</translation>
    </message>
    <message>
      <source>Trading day</source>
      <translation>交易日</translation>
    </message>
    <message>
      <source>The day whose ticks are buffered</source>
      <translation>缓存的是哪一天的分笔</translation>
    </message>
    <message>
      <source>Codes</source>
      <translation>代码</translation>
    </message>
    <message>
      <source>Codes with ticks today</source>
      <translation>今天有分笔的代码数</translation>
    </message>
    <message>
      <source>Ticks</source>
      <translation>分笔数</translation>
    </message>
    <message>
      <source>Ticks received today</source>
      <translation>今天收到的分笔数</translation>
    </message>
    <message>
      <source>Buffer</source>
      <translation>缓存</translation>
    </message>
    <message>
      <source>Tick buffer in memory: used / bound</source>
      <translation>内存中的分笔缓存: 已用 / 上限</translation>
    </message>
    <message>
      <source>Quote bus</source>
      <translation>行情总线</translation>
    </message>
    <message>
      <source>Bus connection, cycles and lost messages</source>
      <translation>总线连接、周期数与丢失消息</translation>
    </message>
    <message>
      <source>Clients</source>
      <translation>客户端</translation>
    </message>
    <message>
      <source>Open client connections and requests answered</source>
      <translation>当前客户端连接与已应答请求</translation>
    </message>
    <message>
      <source>Saved</source>
      <translation>已保存</translation>
    </message>
    <message>
      <source>Rows saved, waiting, errors per store</source>
      <translation>每个存储: 已保存 / 待保存 / 错误</translation>
    </message>
    <message>
      <source>Uptime</source>
      <translation>运行时间</translation>
    </message>
    <message>
      <source>Seconds since the server started</source>
      <translation>服务启动以来的秒数</translation>
    </message>
    <message>
      <source>yes</source>
      <translation>是</translation>
    </message>
    <message>
      <source>no</source>
      <translation>否</translation>
    </message>
    <message>
      <source>Address the server answers on (Hikyuu's default tcp://0.0.0.0:9201; tcp://127.0.0.1:9201 for this host only)</source>
      <translation>服务应答的地址 (Hikyuu 默认 tcp://0.0.0.0:9201; 仅本机用 tcp://127.0.0.1:9201)</translation>
    </message>
    <message>
      <source>Quote bus the server subscribes to (quotation_server)</source>
      <translation>服务订阅的行情总线 (quotation_server)</translation>
    </message>
    <message>
      <source>Buffer today's ticks and bars</source>
      <translation>缓存当天分笔与K线</translation>
    </message>
    <message>
      <source>Keep today's ticks and live bars in memory (needed to answer market and tick requests)</source>
      <translation>在内存中保留当天分笔和实时K线 (应答 market 与 tick 请求需要)</translation>
    </message>
    <message>
      <source>Save ticks</source>
      <translation>保存分笔</translation>
    </message>
    <message>
      <source>Save ticks as they arrive (HDF5 under the data directory, or ClickHouse when hikyuu.ini uses it)</source>
      <translation>收到分笔即保存 (数据目录下的 HDF5; hikyuu.ini 使用 ClickHouse 时存入 ClickHouse)</translation>
    </message>
    <message>
      <source>Start data server</source>
      <translation>启动数据服务</translation>
    </message>
    <message>
      <source>Start (or stop) the data server</source>
      <translation>启动 (或停止) 数据服务</translation>
    </message>
    <message>
      <source>Data server state</source>
      <translation>数据服务状态</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Data server output</source>
      <translation>数据服务输出</translation>
    </message>
    <message>
      <source>{0}, {1} cycles, {2} lost</source>
      <translation>{0}, {1} 个周期, 丢失 {2}</translation>
    </message>
    <message>
      <source>connected</source>
      <translation>已连接</translation>
    </message>
    <message>
      <source>not connected</source>
      <translation>未连接</translation>
    </message>
    <message>
      <source>{0} open, {1} requests, {2} refused</source>
      <translation>{0} 个连接, {1} 个请求, 拒绝 {2}</translation>
    </message>
    <message>
      <source>Stop data server</source>
      <translation>停止数据服务</translation>
    </message>
    <message>
      <source>Starting…</source>
      <translation>正在启动…</translation>
    </message>
    <message>
      <source>Address</source>
      <translation>地址</translation>
    </message>
    <message>
      <source>Running, no answer yet: {0}</source>
      <translation>运行中, 尚无应答: {0}</translation>
    </message>
    <message>
      <source>Browse…</source>
      <translation>浏览…</translation>
    </message>
    <message>
      <source>Choose with a file dialog</source>
      <translation>用文件对话框选择</translation>
    </message>
    <message>
      <source>Choose a directory</source>
      <translation>选择目录</translation>
    </message>
    <message>
      <source>Choose a file</source>
      <translation>选择文件</translation>
    </message>
    <message>
      <source>Import settings</source>
      <translation>导入设置</translation>
    </message>
    <message>
      <source>Day bars</source>
      <translation>日线</translation>
    </message>
    <message>
      <source>1-minute bars</source>
      <translation>1分钟线</translation>
    </message>
    <message>
      <source>5-minute bars</source>
      <translation>5分钟线</translation>
    </message>
    <message>
      <source>Trade ticks</source>
      <translation>分笔</translation>
    </message>
    <message>
      <source>Minute time line</source>
      <translation>分时</translation>
    </message>
    <message>
      <source>TDX local files</source>
      <translation>通达信本地数据</translation>
    </message>
    <message>
      <source>Import from a local TDX installation's vipdoc files</source>
      <translation>从本机通达信安装目录的 vipdoc 文件导入</translation>
    </message>
    <message>
      <source>TDX network (pytdx)</source>
      <translation>通达信网络 (pytdx)</translation>
    </message>
    <message>
      <source>Import over the TDX network protocol</source>
      <translation>通过通达信网络协议导入</translation>
    </message>
    <message>
      <source>TDX installation directory (the folder that contains vipdoc)</source>
      <translation>通达信安装目录 (包含 vipdoc 的文件夹)</translation>
    </message>
    <message>
      <source>How many TDX servers to use in parallel</source>
      <translation>同时使用的通达信服务器数</translation>
    </message>
    <message>
      <source>Data source</source>
      <translation>数据源</translation>
    </message>
    <message>
      <source>Security classes</source>
      <translation>证券类别</translation>
    </message>
    <message>
      <source>What to import</source>
      <translation>导入内容</translation>
    </message>
    <message>
      <source>Dividends and splits</source>
      <translation>权息数据</translation>
    </message>
    <message>
      <source>Dividends and splits (xdxr) with current finance</source>
      <translation>权息数据 (除权除息) 及当前财务数据</translation>
    </message>
    <message>
      <source>History finance</source>
      <translation>历史财务数据</translation>
    </message>
    <message>
      <source>History finance files</source>
      <translation>历史财务数据文件</translation>
    </message>
    <message>
      <source>Blocks</source>
      <translation>板块信息</translation>
    </message>
    <message>
      <source>Block (board) membership</source>
      <translation>板块成分</translation>
    </message>
    <message>
      <source>Stocks</source>
      <translation>股票</translation>
    </message>
    <message>
      <source>Stocks and indices</source>
      <translation>股票与指数</translation>
    </message>
    <message>
      <source>Funds</source>
      <translation>基金</translation>
    </message>
    <message>
      <source>Funds and ETFs</source>
      <translation>基金与 ETF</translation>
    </message>
    <message>
      <source>TDX directory</source>
      <translation>通达信目录</translation>
    </message>
    <message>
      <source>Parallel servers</source>
      <translation>并行服务器数</translation>
    </message>
    <message>
      <source>Import {0}</source>
      <translation>导入{0}</translation>
    </message>
    <message>
      <source>First date of {0} to import</source>
      <translation>{0}的导入起始日期</translation>
    </message>
    <message>
      <source>Monitor</source>
      <translation>行情监控</translation>
    </message>
    <message>
      <source>Day</source>
      <translation>日线</translation>
    </message>
    <message>
      <source>1 min</source>
      <translation>1分钟</translation>
    </message>
    <message>
      <source>5 min</source>
      <translation>5分钟</translation>
    </message>
    <message>
      <source>Bus address to watch (quotation_server)</source>
      <translation>要监控的总线地址 (quotation_server)</translation>
    </message>
    <message>
      <source>Codes to show, comma separated (e.g. sh600000,sz000001); empty: every code</source>
      <translation>要显示的代码, 逗号分隔 (如 sh600000,sz000001); 留空显示全部</translation>
    </message>
    <message>
      <source>Start monitoring</source>
      <translation>开始监控</translation>
    </message>
    <message>
      <source>Subscribe to the bus (or stop)</source>
      <translation>订阅行情总线 (或停止)</translation>
    </message>
    <message>
      <source>Connection, cycles, rate, lost messages, latency, last message</source>
      <translation>连接、周期、速率、丢失消息、延迟、最近消息</translation>
    </message>
    <message>
      <source>Candles and volume of the selected code: stored history plus live bars</source>
      <translation>所选代码的K线与成交量: 库中历史加实时K线</translation>
    </message>
    <message>
      <source>Select a code in the table</source>
      <translation>在表中选择一个代码</translation>
    </message>
    <message>
      <source>The charted code</source>
      <translation>图中的代码</translation>
    </message>
    <message>
      <source>Stop monitoring</source>
      <translation>停止监控</translation>
    </message>
    <message>
      <source>no store configured</source>
      <translation>未配置存储</translation>
    </message>
    <message>
      <source>Bus address</source>
      <translation>总线地址</translation>
    </message>
    <message>
      <source>{0}: reading stored bars…</source>
      <translation>{0}: 正在读取历史K线…</translation>
    </message>
    <message>
      <source>{0} | cycles {1}/{2} | {3:.0f} spots/s | lost {4} messages, {5} cycles | latency {6:.1f} ms | last message {7} ago</source>
      <translation>{0} | 周期 {1}/{2} | 每秒 {3:.0f} 笔 | 丢失 {4} 条消息, {5} 个周期 | 延迟 {6:.1f} 毫秒 | 最近消息 {7} 前</translation>
    </message>
    <message>
      <source>Chart {0} bars</source>
      <translation>显示 {0} K线</translation>
    </message>
    <message>
      <source>{0}: {1} stored bars plus live bars</source>
      <translation>{0}: 库中 {1} 根K线加实时K线</translation>
    </message>
    <message>
      <source>{0}: live bars only ({1})</source>
      <translation>{0}: 仅实时K线 ({1})</translation>
    </message>
    <message>
      <source>QUOTES STALE: nothing from {0} for {1:.0f} s (no data, no heartbeat)</source>
      <translation>行情中断: {0} 已 {1:.0f} 秒无任何消息 (无行情, 无心跳)</translation>
    </message>
    <message>
      <source>Week</source>
      <translation>周线</translation>
    </message>
    <message>
      <source>Month</source>
      <translation>月线</translation>
    </message>
    <message>
      <source>Quarter</source>
      <translation>季线</translation>
    </message>
    <message>
      <source>Half year</source>
      <translation>半年线</translation>
    </message>
    <message>
      <source>Year</source>
      <translation>年线</translation>
    </message>
    <message>
      <source>1 minute</source>
      <translation>1分钟线</translation>
    </message>
    <message>
      <source>5 minutes</source>
      <translation>5分钟线</translation>
    </message>
    <message>
      <source>15 minutes</source>
      <translation>15分钟线</translation>
    </message>
    <message>
      <source>30 minutes</source>
      <translation>30分钟线</translation>
    </message>
    <message>
      <source>60 minutes</source>
      <translation>60分钟线</translation>
    </message>
    <message>
      <source>2 hours</source>
      <translation>2小时线</translation>
    </message>
    <message>
      <source>Time line</source>
      <translation>分时</translation>
    </message>
    <message>
      <source>Preload</source>
      <translation>预加载设置</translation>
    </message>
    <message>
      <source>Lazy preload</source>
      <translation>延迟加载</translation>
    </message>
    <message>
      <source>Load bars on first use instead of at start</source>
      <translation>首次使用时才加载, 而非启动时</translation>
    </message>
    <message>
      <source>Bar types (hikyuu.ini [preload])</source>
      <translation>K线类型 (hikyuu.ini [preload])</translation>
    </message>
    <message>
      <source>No limit</source>
      <translation>不限</translation>
    </message>
    <message>
      <source>Type</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>Most bars</source>
      <translation>最大数量</translation>
    </message>
    <message>
      <source>Preload {0} bars</source>
      <translation>预加载 {0} K线</translation>
    </message>
    <message>
      <source>How many {0} bars to keep per stock (0: no limit)</source>
      <translation>每只股票最多保留的 {0} K线数 (0: 不限)</translation>
    </message>
    <message>
      <source>Code</source>
      <translation>代码</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>Last</source>
      <translation>最新价</translation>
    </message>
    <message>
      <source>Change %</source>
      <translation>涨跌幅</translation>
    </message>
    <message>
      <source>Change</source>
      <translation>涨跌</translation>
    </message>
    <message>
      <source>Volume (lots)</source>
      <translation>成交量(手)</translation>
    </message>
    <message>
      <source>Amount (10k yuan)</source>
      <translation>成交额(万元)</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Newest quote of each watched code: red up, green down; click a header to sort, a row to chart it</source>
      <translation>所监控代码的最新行情: 红涨绿跌; 点表头排序, 点一行显示其K线</translation>
    </message>
    <message>
      <source>Run import</source>
      <translation>执行导入</translation>
    </message>
    <message>
      <source>Start import</source>
      <translation>启动导入</translation>
    </message>
    <message>
      <source>Start (or stop) importdata with the saved settings</source>
      <translation>用已保存的设置启动 (或停止) importdata</translation>
    </message>
    <message>
      <source>Progress</source>
      <translation>导入进度</translation>
    </message>
    <message>
      <source>importdata output</source>
      <translation>importdata 输出</translation>
    </message>
    <message>
      <source>Import every trading day</source>
      <translation>每个交易日导入</translation>
    </message>
    <message>
      <source>Run the import every trading day at this time while the window is open (saved)</source>
      <translation>窗口打开时, 每个交易日在此时间导入 (会保存)</translation>
    </message>
    <message>
      <source>Time of the daily import (exchange time)</source>
      <translation>每日导入的时间 (交易所时间)</translation>
    </message>
    <message>
      <source>Daily import</source>
      <translation>定时导入</translation>
    </message>
    <message>
      <source>Share of the stocks done</source>
      <translation>已完成的证券比例</translation>
    </message>
    <message>
      <source>Stop import</source>
      <translation>停止导入</translation>
    </message>
    <message>
      <source>importdata ended, exit code {0}</source>
      <translation>importdata 结束, 退出码 {0}</translation>
    </message>
    <message>
      <source>Storage</source>
      <translation>存储设置</translation>
    </message>
    <message>
      <source>Host</source>
      <translation>主机</translation>
    </message>
    <message>
      <source>Server host</source>
      <translation>服务器主机</translation>
    </message>
    <message>
      <source>User</source>
      <translation>用户名</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>Password (the files holding it are made readable by you only)</source>
      <translation>密码 (保存它的文件只允许你本人读取)</translation>
    </message>
    <message>
      <source>HDF5 (embedded, default)</source>
      <translation>HDF5 (内置, 默认)</translation>
    </message>
    <message>
      <source>Embedded HDF5 files + SQLite stock.db: no server needed</source>
      <translation>内置 HDF5 文件 + SQLite stock.db: 无需服务器</translation>
    </message>
    <message>
      <source>A MySQL or MariaDB server</source>
      <translation>MySQL 或 MariaDB 服务器</translation>
    </message>
    <message>
      <source>A ClickHouse server</source>
      <translation>ClickHouse 服务器</translation>
    </message>
    <message>
      <source>Connecting…</source>
      <translation>正在连接…</translation>
    </message>
    <message>
      <source>Connected: {0}</source>
      <translation>已连接 {0}</translation>
    </message>
    <message>
      <source>Connection failed: {0}</source>
      <translation>连接失败: {0}</translation>
    </message>
    <message>
      <source>Data directory</source>
      <translation>数据目录</translation>
    </message>
    <message>
      <source>Data directory for the .h5 files and stock.db</source>
      <translation>存放 .h5 文件和 stock.db 的数据目录</translation>
    </message>
    <message>
      <source>Temporary directory</source>
      <translation>临时目录</translation>
    </message>
    <message>
      <source>Directory for temporary files</source>
      <translation>临时文件目录</translation>
    </message>
    <message>
      <source>Port</source>
      <translation>端口</translation>
    </message>
    <message>
      <source>Server port (1-65535)</source>
      <translation>服务器端口 (1-65535)</translation>
    </message>
    <message>
      <source>Native port</source>
      <translation>原生端口</translation>
    </message>
    <message>
      <source>Native protocol port (1-65535), written to hikyuu.ini for Hikyuu's C++ core; usually 9000</source>
      <translation>原生协议端口 (1-65535), 写入 hikyuu.ini 供 Hikyuu C++ 内核使用; 通常为 9000</translation>
    </message>
    <message>
      <source>HTTP port</source>
      <translation>HTTP 端口</translation>
    </message>
    <message>
      <source>HTTP port (1-65535) that hikyuu_live speaks; usually 8123</source>
      <translation>hikyuu_live 使用的 HTTP 端口 (1-65535); 通常为 8123</translation>
    </message>
    <message>
      <source>Test connection</source>
      <translation>测试连接</translation>
    </message>
    <message>
      <source>Connect to the server now with these settings</source>
      <translation>立即用这些设置连接服务器</translation>
    </message>
    <message>
      <source>Result of the connection test</source>
      <translation>连接测试结果</translation>
    </message>
    <message>
      <source>Connection failed: port {0!r} is not a number</source>
      <translation>连接失败: 端口 {0!r} 不是数字</translation>
    </message>
    <message>
      <source>preloading</source>
      <translation>预加载中</translation>
    </message>
    <message>
      <source>starting</source>
      <translation>启动中</translation>
    </message>
    <message>
      <source>running</source>
      <translation>运行中</translation>
    </message>
    <message>
      <source>stopping</source>
      <translation>停止中</translation>
    </message>
    <message>
      <source>exited</source>
      <translation>已结束</translation>
    </message>
    <message>
      <source>buy</source>
      <translation>买入</translation>
    </message>
    <message>
      <source>sell</source>
      <translation>卖出</translation>
    </message>
    <message>
      <source>filled</source>
      <translation>已成</translation>
    </message>
    <message>
      <source>rejected</source>
      <translation>已拒绝</translation>
    </message>
    <message>
      <source>submitted</source>
      <translation>已报</translation>
    </message>
    <message>
      <source>unconfirmed</source>
      <translation>未确认</translation>
    </message>
    <message>
      <source>cancelled</source>
      <translation>已撤</translation>
    </message>
    <message>
      <source>pending</source>
      <translation>发送中</translation>
    </message>
    <message>
      <source>Strategies</source>
      <translation>策略</translation>
    </message>
    <message>
      <source>Demo 1: print quotes and timers</source>
      <translation>示例1: 打印行情与定时器</translation>
    </message>
    <message>
      <source>Demo 2: moving-average crossing (paper broker)</source>
      <translation>示例2: 双均线交叉 (模拟券商)</translation>
    </message>
    <message>
      <source>Demo 3: rebalance before the close (paper broker)</source>
      <translation>示例3: 收盘前调仓 (模拟券商)</translation>
    </message>
    <message>
      <source>Strategy scripts: the demos and your own (.py files)</source>
      <translation>策略脚本: 示例和你自己的 (.py 文件)</translation>
    </message>
    <message>
      <source>Add script…</source>
      <translation>添加脚本…</translation>
    </message>
    <message>
      <source>Add your own strategy script</source>
      <translation>添加你自己的策略脚本</translation>
    </message>
    <message>
      <source>Stock codes, comma separated (e.g. sh600000,sz000001)</source>
      <translation>股票代码, 逗号分隔 (如 sh600000,sz000001)</translation>
    </message>
    <message>
      <source>Bar types, comma separated (day,min,min5,...)</source>
      <translation>K线类型, 逗号分隔 (day,min,min5,...)</translation>
    </message>
    <message>
      <source>Bus address the strategy dials (quotation_server)</source>
      <translation>策略连接的总线地址 (quotation_server)</translation>
    </message>
    <message>
      <source>Broker: paper (simulated, default) or easytrader (a real account)</source>
      <translation>券商: paper (模拟, 默认) 或 easytrader (真实账户)</translation>
    </message>
    <message>
      <source>More options for the script, as on a command line (e.g. --fast 3 --slow 8)</source>
      <translation>脚本的其他参数, 同命令行 (如 --fast 3 --slow 8)</translation>
    </message>
    <message>
      <source>live: wall time; market: follow the spots' own time (for replays)</source>
      <translation>实时: 按系统时间; 行情时间: 跟随行情自身的时间 (回放用)</translation>
    </message>
    <message>
      <source>Live (wall time)</source>
      <translation>实时 (系统时间)</translation>
    </message>
    <message>
      <source>Market time (for replays)</source>
      <translation>行情时间 (回放用)</translation>
    </message>
    <message>
      <source>Start strategy</source>
      <translation>启动策略</translation>
    </message>
    <message>
      <source>Start the selected script as a new run</source>
      <translation>把选中的脚本作为新的运行启动</translation>
    </message>
    <message>
      <source>New run</source>
      <translation>新的运行</translation>
    </message>
    <message>
      <source>Running and finished strategies; select one to see its details</source>
      <translation>运行中和已结束的策略; 选中一个查看详情</translation>
    </message>
    <message>
      <source>Stop</source>
      <translation>停止</translation>
    </message>
    <message>
      <source>Stop the selected run cleanly</source>
      <translation>正常停止选中的运行</translation>
    </message>
    <message>
      <source>Restart</source>
      <translation>重启</translation>
    </message>
    <message>
      <source>Stop the selected run and start it again</source>
      <translation>停止选中的运行并重新启动</translation>
    </message>
    <message>
      <source>The selected run's status channel and last answer</source>
      <translation>选中运行的状态通道与最近应答</translation>
    </message>
    <message>
      <source>Positions with P&amp;L at the strategy's live prices</source>
      <translation>持仓及按策略实时价格计算的盈亏</translation>
    </message>
    <message>
      <source>Orders as the broker reports them</source>
      <translation>券商报告的委托</translation>
    </message>
    <message>
      <source>Fills (executions)</source>
      <translation>成交</translation>
    </message>
    <message>
      <source>The selected run's output</source>
      <translation>选中运行的输出</translation>
    </message>
    <message>
      <source>Positions</source>
      <translation>持仓</translation>
    </message>
    <message>
      <source>Orders</source>
      <translation>委托</translation>
    </message>
    <message>
      <source>Fills</source>
      <translation>成交</translation>
    </message>
    <message>
      <source>Output</source>
      <translation>输出</translation>
    </message>
    <message>
      <source>Run</source>
      <translation>运行</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Broker</source>
      <translation>券商</translation>
    </message>
    <message>
      <source>Cash</source>
      <translation>现金</translation>
    </message>
    <message>
      <source>Equity</source>
      <translation>总资产</translation>
    </message>
    <message>
      <source>Realised P&amp;L</source>
      <translation>已实现盈亏</translation>
    </message>
    <message>
      <source>Unrealised P&amp;L</source>
      <translation>浮动盈亏</translation>
    </message>
    <message>
      <source>Spots</source>
      <translation>行情笔数</translation>
    </message>
    <message>
      <source>Shares</source>
      <translation>股数</translation>
    </message>
    <message>
      <source>Sellable</source>
      <translation>可卖</translation>
    </message>
    <message>
      <source>Cost</source>
      <translation>成本价</translation>
    </message>
    <message>
      <source>Market value</source>
      <translation>市值</translation>
    </message>
    <message>
      <source>Side</source>
      <translation>方向</translation>
    </message>
    <message>
      <source>Price</source>
      <translation>价格</translation>
    </message>
    <message>
      <source>Filled</source>
      <translation>已成交</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <source>Amount</source>
      <translation>金额</translation>
    </message>
    <message>
      <source>Fee</source>
      <translation>费用</translation>
    </message>
    <message>
      <source>Choose a strategy script</source>
      <translation>选择策略脚本</translation>
    </message>
    <message>
      <source>choose a script</source>
      <translation>请选择一个脚本</translation>
    </message>
    <message>
      <source>{0}: {1}; status {2}</source>
      <translation>{0}: {1}; 状态通道 {2}</translation>
    </message>
    <message>
      <source>Bar types</source>
      <translation>K线类型</translation>
    </message>
    <message>
      <source>Clock</source>
      <translation>时钟</translation>
    </message>
    <message>
      <source>More options</source>
      <translation>其他参数</translation>
    </message>
    <message>
      <source>(no answer: {0})</source>
      <translation>(无应答: {0})</translation>
    </message>
    <message>
      <source>broker: {0}</source>
      <translation>券商: {0}</translation>
    </message>
    <message>
      <source>Invalid options: {0}</source>
      <translation>参数无效: {0}</translation>
    </message>
  </context>
</TS>
